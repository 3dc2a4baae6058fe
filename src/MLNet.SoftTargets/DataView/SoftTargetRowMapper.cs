using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets;

/// <summary>
/// Maps an input row to the same row plus one computed column (the last column of the output schema).
/// Shared by the lazy data view's cursors and by <see cref="PredictionEngine{TSrc, TDst}"/>.
/// </summary>
internal sealed class SoftTargetRowMapper : IRowToRowMapper
{
    private readonly int _sourceIndex;
    private readonly Func<DataViewRow, ValueGetter<VBuffer<float>>> _createGetter;

    public SoftTargetRowMapper(DataViewSchema inputSchema, DataViewSchema outputSchema, int sourceIndex, Func<DataViewRow, ValueGetter<VBuffer<float>>> createGetter)
    {
        InputSchema = inputSchema;
        OutputSchema = outputSchema;
        _sourceIndex = sourceIndex;
        _createGetter = createGetter;
    }

    public DataViewSchema InputSchema { get; }

    public DataViewSchema OutputSchema { get; }

    /// <summary>Index of the computed column in <see cref="OutputSchema"/>.</summary>
    public int OutputIndex => InputSchema.Count;

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
    {
        var needed = new HashSet<int>();
        foreach (var column in dependingColumns)
            needed.Add(column.Index == OutputIndex ? _sourceIndex : column.Index);
        return needed.Where(i => i < InputSchema.Count).Order().Select(i => InputSchema[i]);
    }

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        bool outputActive = activeColumns.Any(c => c.Index == OutputIndex);
        return new MappedRow(this, input, outputActive);
    }

    internal DataViewRowCursor GetCursor(DataViewRowCursor input, bool outputActive) => new MappedCursor(this, input, outputActive);

    private Delegate? CreateOutputGetter(DataViewRow input, bool outputActive) => outputActive ? _createGetter(input) : null;

    private ValueGetter<TValue> GetGetter<TValue>(DataViewRow input, Delegate? outputGetter, DataViewSchema.Column column)
    {
        if (column.Index != OutputIndex)
            return input.GetGetter<TValue>(input.Schema[column.Index]);
        if (outputGetter is null)
            throw new InvalidOperationException($"Column '{column.Name}' was not requested as active.");
        return outputGetter as ValueGetter<TValue>
            ?? throw new InvalidOperationException($"Column '{column.Name}' is {column.Type}; it cannot be read as {typeof(TValue).Name}.");
    }

    private bool IsActive(DataViewRow input, bool outputActive, DataViewSchema.Column column) =>
        column.Index == OutputIndex ? outputActive : input.IsColumnActive(input.Schema[column.Index]);

    private sealed class MappedRow : DataViewRow
    {
        private readonly SoftTargetRowMapper _mapper;
        private readonly DataViewRow _input;
        private readonly bool _outputActive;
        private readonly Delegate? _outputGetter;

        public MappedRow(SoftTargetRowMapper mapper, DataViewRow input, bool outputActive)
        {
            _mapper = mapper;
            _input = input;
            _outputActive = outputActive;
            _outputGetter = mapper.CreateOutputGetter(input, outputActive);
        }

        public override DataViewSchema Schema => _mapper.OutputSchema;

        public override long Position => _input.Position;

        public override long Batch => _input.Batch;

        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) => _mapper.IsActive(_input, _outputActive, column);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => _mapper.GetGetter<TValue>(_input, _outputGetter, column);
    }

    private sealed class MappedCursor : DataViewRowCursor
    {
        private readonly SoftTargetRowMapper _mapper;
        private readonly DataViewRowCursor _input;
        private readonly bool _outputActive;
        private readonly Delegate? _outputGetter;

        public MappedCursor(SoftTargetRowMapper mapper, DataViewRowCursor input, bool outputActive)
        {
            _mapper = mapper;
            _input = input;
            _outputActive = outputActive;
            _outputGetter = mapper.CreateOutputGetter(input, outputActive);
        }

        public override DataViewSchema Schema => _mapper.OutputSchema;

        public override long Position => _input.Position;

        public override long Batch => _input.Batch;

        public override bool MoveNext() => _input.MoveNext();

        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) => _mapper.IsActive(_input, _outputActive, column);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => _mapper.GetGetter<TValue>(_input, _outputGetter, column);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                _input.Dispose();
            base.Dispose(disposing);
        }
    }
}

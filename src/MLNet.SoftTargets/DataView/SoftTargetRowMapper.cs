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
    private readonly int[] _inputOf;
    private readonly Func<DataViewRow, ValueGetter<VBuffer<float>>> _createGetter;

    /// <summary>
    /// Maps rows of <paramref name="inputSchema"/> to <paramref name="outputSchema"/>, which holds the input columns
    /// (possibly reordered) plus the visible column <paramref name="outputColumnName"/> computed by the getter.
    /// </summary>
    public SoftTargetRowMapper(DataViewSchema inputSchema, DataViewSchema outputSchema, string outputColumnName, int sourceIndex, Func<DataViewRow, ValueGetter<VBuffer<float>>> createGetter)
    {
        InputSchema = inputSchema;
        OutputSchema = outputSchema;
        _sourceIndex = sourceIndex;
        _createGetter = createGetter;
        OutputIndex = outputSchema.GetColumnOrNull(outputColumnName)?.Index
            ?? throw new InvalidOperationException($"Internal error: the output schema lacks column '{outputColumnName}'.");
        // Every other output column is an input column: the n-th column of a name is the n-th input column of that name.
        _inputOf = new int[outputSchema.Count];
        var seen = new Dictionary<string, int>();
        foreach (var column in outputSchema)
        {
            if (column.Index == OutputIndex)
            {
                _inputOf[column.Index] = -1;
                continue;
            }
            int occurrence = seen.GetValueOrDefault(column.Name);
            seen[column.Name] = occurrence + 1;
            _inputOf[column.Index] = inputSchema.Where(c => c.Name == column.Name).ElementAt(occurrence).Index;
        }
    }

    public DataViewSchema InputSchema { get; }

    public DataViewSchema OutputSchema { get; }

    /// <summary>Index of the computed column in <see cref="OutputSchema"/>.</summary>
    public int OutputIndex { get; }

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
    {
        var needed = new HashSet<int>();
        foreach (var column in dependingColumns)
            needed.Add(column.Index == OutputIndex ? _sourceIndex : _inputOf[column.Index]);
        return needed.Order().Select(i => InputSchema[i]);
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
            return input.GetGetter<TValue>(input.Schema[_inputOf[column.Index]]);
        if (outputGetter is null)
            throw new InvalidOperationException($"Column '{column.Name}' was not requested as active.");
        return outputGetter as ValueGetter<TValue>
            ?? throw new InvalidOperationException($"Column '{column.Name}' is {column.Type}; it cannot be read as {typeof(TValue).Name}.");
    }

    private bool IsActive(DataViewRow input, bool outputActive, DataViewSchema.Column column) =>
        column.Index == OutputIndex ? outputActive : input.IsColumnActive(input.Schema[_inputOf[column.Index]]);

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

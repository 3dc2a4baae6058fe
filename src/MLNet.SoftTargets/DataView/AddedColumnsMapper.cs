using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets;

/// <summary>
/// Creates the getters of the computed columns for one row source (a cursor or a <see cref="PredictionEngine{TSrc, TDst}"/>
/// row): <paramref name="active"/> tells which computed columns (by their index in the mapper's list) are wanted; the
/// result holds one getter per computed column, null for the inactive ones. Getters of one row share their work.
/// </summary>
internal delegate Delegate?[] ComputedGetters(DataViewRow input, bool[] active);

/// <summary>
/// Maps an input row to the same row plus computed columns (output columns given by index). The input columns pass
/// through, possibly reordered or hidden by a computed column of the same name. Shared by the lazy data
/// views' cursors and by <see cref="PredictionEngine{TSrc, TDst}"/>.
/// </summary>
internal sealed class AddedColumnsMapper : IRowToRowMapper
{
    private readonly int[] _sourceIndices;
    private readonly int[] _inputOf;
    private readonly int[] _computedSlot;
    private readonly ComputedGetters _createGetters;

    /// <summary>
    /// Maps rows of <paramref name="inputSchema"/> to <paramref name="outputSchema"/>, which holds the input columns plus
    /// the columns at <paramref name="computedIndices"/>, computed from the input columns <paramref name="sourceIndices"/>
    /// by the getters <paramref name="createGetters"/> makes.
    /// </summary>
    public AddedColumnsMapper(DataViewSchema inputSchema, DataViewSchema outputSchema, IReadOnlyList<int> computedIndices, IReadOnlyList<int> sourceIndices,
        ComputedGetters createGetters)
    {
        InputSchema = inputSchema;
        OutputSchema = outputSchema;
        _sourceIndices = [.. sourceIndices];
        _createGetters = createGetters;
        ComputedIndices = [.. computedIndices];
        _computedSlot = Enumerable.Repeat(-1, outputSchema.Count).ToArray();
        for (int i = 0; i < ComputedIndices.Count; i++)
            _computedSlot[ComputedIndices[i]] = i;
        // Every other output column is an input column: the n-th column of a name is the n-th input column of that name.
        _inputOf = new int[outputSchema.Count];
        var seen = new Dictionary<string, int>();
        foreach (var column in outputSchema)
        {
            if (_computedSlot[column.Index] >= 0)
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

    /// <summary>Indices of the computed columns in <see cref="OutputSchema"/>, in the order they were given.</summary>
    public IReadOnlyList<int> ComputedIndices { get; }

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns) => Dependencies(dependingColumns, withSources: true);

    /// <summary>The input columns that <paramref name="dependingColumns"/> read; without <paramref name="withSources"/> only the passed-through ones.</summary>
    public IEnumerable<DataViewSchema.Column> Dependencies(IEnumerable<DataViewSchema.Column> dependingColumns, bool withSources)
    {
        var needed = new HashSet<int>();
        foreach (var column in dependingColumns)
        {
            if (_computedSlot[column.Index] < 0)
                needed.Add(_inputOf[column.Index]);
            else if (withSources)
                needed.UnionWith(_sourceIndices);
        }
        return needed.Order().Select(i => InputSchema[i]);
    }

    /// <summary>Which computed columns <paramref name="columns"/> asks for, by their position in the mapper's list.</summary>
    public bool[] ActiveComputed(IEnumerable<DataViewSchema.Column> columns)
    {
        var active = new bool[ComputedIndices.Count];
        foreach (var column in columns)
        {
            if (_computedSlot[column.Index] is int slot and >= 0)
                active[slot] = true;
        }
        return active;
    }

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns) => new MappedRow(this, input, ActiveComputed(activeColumns));

    /// <summary>A cursor over <paramref name="input"/> (a cursor of the input view) with the computed columns <paramref name="active"/>.</summary>
    internal DataViewRowCursor GetCursor(DataViewRowCursor input, bool[] active) => new MappedCursor(this, input, active);

    /// <summary>The getter of output column <paramref name="column"/>: a pass-through of the input row, or one of <paramref name="computed"/>.</summary>
    internal ValueGetter<TValue> GetGetter<TValue>(DataViewRow input, Delegate?[] computed, DataViewSchema.Column column)
    {
        int slot = _computedSlot[column.Index];
        if (slot < 0)
            return input.GetGetter<TValue>(input.Schema[_inputOf[column.Index]]);
        var getter = computed[slot] ?? throw new InvalidOperationException($"Column '{column.Name}' was not requested as active.");
        return getter as ValueGetter<TValue>
            ?? throw new InvalidOperationException($"Column '{column.Name}' is {column.Type}; it cannot be read as {typeof(TValue).Name}.");
    }

    internal bool IsActive(DataViewRow input, bool[] active, DataViewSchema.Column column) =>
        _computedSlot[column.Index] is int slot and >= 0 ? active[slot] : input.IsColumnActive(input.Schema[_inputOf[column.Index]]);

    internal Delegate?[] CreateGetters(DataViewRow input, bool[] active) =>
        active.Any(a => a) ? _createGetters(input, active) : new Delegate?[active.Length];

    private sealed class MappedRow : DataViewRow
    {
        private readonly AddedColumnsMapper _mapper;
        private readonly DataViewRow _input;
        private readonly bool[] _active;
        private readonly Delegate?[] _getters;

        public MappedRow(AddedColumnsMapper mapper, DataViewRow input, bool[] active)
        {
            _mapper = mapper;
            _input = input;
            _active = active;
            _getters = mapper.CreateGetters(input, active);
        }

        public override DataViewSchema Schema => _mapper.OutputSchema;

        public override long Position => _input.Position;

        public override long Batch => _input.Batch;

        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) => _mapper.IsActive(_input, _active, column);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => _mapper.GetGetter<TValue>(_input, _getters, column);
    }

    private sealed class MappedCursor : DataViewRowCursor
    {
        private readonly AddedColumnsMapper _mapper;
        private readonly DataViewRowCursor _input;
        private readonly bool[] _active;
        private readonly Delegate?[] _getters;

        public MappedCursor(AddedColumnsMapper mapper, DataViewRowCursor input, bool[] active)
        {
            _mapper = mapper;
            _input = input;
            _active = active;
            _getters = mapper.CreateGetters(input, active);
        }

        public override DataViewSchema Schema => _mapper.OutputSchema;

        public override long Position => _input.Position;

        public override long Batch => _input.Batch;

        public override bool MoveNext() => _input.MoveNext();

        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) => _mapper.IsActive(_input, _active, column);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => _mapper.GetGetter<TValue>(_input, _getters, column);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                _input.Dispose();
            base.Dispose(disposing);
        }
    }
}

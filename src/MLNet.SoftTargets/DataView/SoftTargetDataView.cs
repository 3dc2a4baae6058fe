using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets;

/// <summary>The lazy result of a soft-target transform: the input view plus one column computed per row on demand.</summary>
internal sealed class SoftTargetDataView : IDataView
{
    private readonly IDataView _input;
    private readonly SoftTargetRowMapper _mapper;

    public SoftTargetDataView(IDataView input, SoftTargetRowMapper mapper)
    {
        _input = input;
        _mapper = mapper;
    }

    public DataViewSchema Schema => _mapper.OutputSchema;

    public bool CanShuffle => _input.CanShuffle;

    public long? GetRowCount() => _input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.ToList();
        return _mapper.GetCursor(_input.GetRowCursor(_mapper.GetDependencies(needed), rand), OutputNeeded(needed));
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        var needed = columnsNeeded.ToList();
        bool outputNeeded = OutputNeeded(needed);
        return _input.GetRowCursorSet(_mapper.GetDependencies(needed), n, rand)
            .Select(cursor => _mapper.GetCursor(cursor, outputNeeded))
            .ToArray();
    }

    private bool OutputNeeded(List<DataViewSchema.Column> needed) => needed.Any(c => c.Index == _mapper.OutputIndex);
}

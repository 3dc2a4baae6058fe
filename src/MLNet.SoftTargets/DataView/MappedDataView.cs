using Microsoft.ML;

namespace MLNet.SoftTargets;

/// <summary>The lazy result of a row-by-row transform: the input view plus the mapper's computed columns, computed per row on demand.</summary>
internal sealed class MappedDataView : IDataView
{
    private readonly IDataView _input;
    private readonly AddedColumnsMapper _mapper;

    public MappedDataView(IDataView input, AddedColumnsMapper mapper)
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
        return _mapper.GetCursor(_input.GetRowCursor(_mapper.GetDependencies(needed), rand), _mapper.ActiveComputed(needed));
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        var needed = columnsNeeded.ToList();
        var active = _mapper.ActiveComputed(needed);
        return _input.GetRowCursorSet(_mapper.GetDependencies(needed), n, rand)
            .Select(cursor => _mapper.GetCursor(cursor, active))
            .ToArray();
    }
}

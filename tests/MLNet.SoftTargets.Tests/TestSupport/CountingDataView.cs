using Microsoft.ML;

namespace MLNet.SoftTargets.Tests.TestSupport;

/// <summary>
/// Wraps a view and counts the cursors opened on it, to show that a transform is lazy; with
/// <paramref name="hideRowCount"/> it does not know its row count, as a text file or a stream does not.
/// </summary>
internal sealed class CountingDataView(IDataView inner, bool hideRowCount = false) : IDataView
{
    public int CursorsOpened { get; private set; }

    public DataViewSchema Schema => inner.Schema;

    public bool CanShuffle => inner.CanShuffle;

    public long? GetRowCount() => hideRowCount ? null : inner.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        CursorsOpened++;
        return inner.GetRowCursor(columnsNeeded, rand);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        CursorsOpened++;
        return inner.GetRowCursorSet(columnsNeeded, n, rand);
    }
}

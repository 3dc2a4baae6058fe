using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets.Tests.TestSupport;

/// <summary>A view whose cursors cancel a token once a given number of rows has been read in total.</summary>
internal sealed class CancelAfterRows(IDataView inner, long rows, CancellationTokenSource cancel) : IDataView
{
    private long _read;

    private void Count()
    {
        if (++_read >= rows)
            cancel.Cancel();
    }

    public DataViewSchema Schema => inner.Schema;

    public bool CanShuffle => inner.CanShuffle;

    public long? GetRowCount() => inner.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(this, inner.GetRowCursor(columnsNeeded, rand));

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor(CancelAfterRows owner, DataViewRowCursor inner) : DataViewRowCursor
    {
        public override DataViewSchema Schema => inner.Schema;

        public override long Position => inner.Position;

        public override long Batch => inner.Batch;

        public override bool MoveNext()
        {
            owner.Count();
            return inner.MoveNext();
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => inner.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) => inner.IsColumnActive(column);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => inner.GetGetter<TValue>(column);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                inner.Dispose();
            base.Dispose(disposing);
        }
    }
}

using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets.Persistence;

/// <summary>
/// A data view with a schema and no rows: enough to fit ML.NET's trivial estimators (whose
/// <c>Fit</c> only reads the schema) when assembling a built-in equivalent.
/// </summary>
internal sealed class SchemaOnlyDataView : IDataView
{
    public SchemaOnlyDataView(DataViewSchema schema) => Schema = schema;

    public DataViewSchema Schema { get; }

    public bool CanShuffle => false;

    public long? GetRowCount() => 0;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new EmptyCursor(Schema);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [new EmptyCursor(Schema)];

    private sealed class EmptyCursor(DataViewSchema schema) : DataViewRowCursor
    {
        public override DataViewSchema Schema { get; } = schema;

        public override long Position => -1;

        public override long Batch => 0;

        public override bool MoveNext() => false;

        public override bool IsColumnActive(DataViewSchema.Column column) => false;

        public override ValueGetter<DataViewRowId> GetIdGetter() =>
            throw new InvalidOperationException("An empty data view has no rows.");

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) =>
            throw new InvalidOperationException("An empty data view has no rows.");
    }
}

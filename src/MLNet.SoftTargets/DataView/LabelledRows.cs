using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets;

/// <summary>What <see cref="LabelledRows.ForEach"/> hands over for each row: the vector's values, the 0-based label and the row's position.</summary>
internal delegate void LabelledRowAction(ReadOnlySpan<float> values, int label, long row);

/// <summary>
/// The one reader of labelled rows: a key label column and a float-vector column (scores, embeddings, logits) read
/// together, rows with a missing label (key 0) skipped. Used by calibration and the representation diagnostics.
/// </summary>
internal static class LabelledRows
{
    /// <summary>Calls <paramref name="row"/> for every row of <paramref name="data"/> whose label is present.</summary>
    /// <param name="data">The data.</param>
    /// <param name="label">A key label column of <paramref name="data"/> (see <see cref="ColumnContract.RequireKeyLabel"/>).</param>
    /// <param name="vector">A known-size float-vector column of <paramref name="data"/>.</param>
    /// <param name="row">Receives each row; the span is reused, copy what must be kept.</param>
    public static void ForEach(IDataView data, DataViewSchema.Column label, DataViewSchema.Column vector, LabelledRowAction row)
    {
        int size = ((VectorDataViewType)vector.Type).Size;
        using var cursor = data.GetRowCursor([label, vector]);
        var getLabel = cursor.GetGetter<uint>(label);
        var getVector = cursor.GetGetter<VBuffer<float>>(vector);
        uint key = 0;
        var buffer = default(VBuffer<float>);
        var values = new float[size];
        while (cursor.MoveNext())
        {
            getLabel(ref key);
            if (key == 0)
                continue;
            getVector(ref buffer);
            buffer.CopyTo(values);
            row(values, (int)key - 1, cursor.Position);
        }
    }
}

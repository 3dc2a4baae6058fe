using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets;

/// <summary>Reads (Score, label) rows for calibration, checking the columns and the rows.</summary>
internal static class CalibrationData
{
    /// <summary>
    /// Calls <paramref name="row"/> with every row's probabilities and 0-based label; rows with a missing label are skipped.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type, or the Score size differs from the label's class count.</exception>
    /// <exception cref="InvalidOperationException">A Score row contains NaN, a negative or an infinite value (the message names the row).</exception>
    public static void ForEach(IDataView data, string labelColumnName, string scoreColumnName, Action<float[], int> row)
    {
        ArgumentNullException.ThrowIfNull(data);
        var (label, score, k) = Columns(data.Schema, labelColumnName, scoreColumnName);
        using var cursor = data.GetRowCursor([label, score]);
        var getLabel = cursor.GetGetter<uint>(label);
        var getScore = cursor.GetGetter<VBuffer<float>>(score);
        uint key = 0;
        var buffer = default(VBuffer<float>);
        var p = new float[k];
        while (cursor.MoveNext())
        {
            getLabel(ref key);
            if (key == 0)
                continue;
            getScore(ref buffer);
            buffer.CopyTo(p);
            foreach (var v in p)
            {
                if (!(v >= 0) || float.IsPositiveInfinity(v))
                    throw new InvalidOperationException($"Column '{scoreColumnName}' row {cursor.Position}: value {v} is not a probability.");
            }
            row(p, (int)key - 1);
        }
    }

    public static (DataViewSchema.Column Label, DataViewSchema.Column Score, int ClassCount) Columns(DataViewSchema schema, string labelColumnName, string scoreColumnName)
    {
        var label = schema.GetColumnOrNull(labelColumnName)
            ?? throw new ArgumentOutOfRangeException(nameof(labelColumnName), labelColumnName, $"Label column '{labelColumnName}' was not found.");
        if (label.Type is not KeyDataViewType { RawType: var raw } key || raw != typeof(uint))
            throw new ArgumentOutOfRangeException(nameof(labelColumnName), labelColumnName, $"Label column '{labelColumnName}' has type {label.Type}; expected a key (Key<UInt32, K>).");
        var score = schema.GetColumnOrNull(scoreColumnName)
            ?? throw new ArgumentOutOfRangeException(nameof(scoreColumnName), scoreColumnName, $"Score column '{scoreColumnName}' was not found.");
        if (score.Type is not VectorDataViewType { ItemType: var item, Size: var size } || item != NumberDataViewType.Single || size != (int)key.Count)
            throw new ArgumentOutOfRangeException(nameof(scoreColumnName), scoreColumnName,
                $"Score column '{scoreColumnName}' has type {score.Type}; expected Vector<Single, {key.Count}> (one probability per class of '{labelColumnName}').");
        return (label, score, (int)key.Count);
    }
}

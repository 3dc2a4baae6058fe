using Microsoft.ML;

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
        var p = new float[k];
        LabelledRows.ForEach(data, label, score, (values, key, position) =>
        {
            values.CopyTo(p);
            foreach (var v in p)
            {
                if (!(v >= 0) || float.IsPositiveInfinity(v))
                    throw new InvalidOperationException($"Column '{scoreColumnName}' row {position}: value {v} is not a probability.");
            }
            row(p, key);
        });
    }

    /// <summary>
    /// Every labelled row's log-probabilities (each probability floored at <paramref name="floor"/> first), row-major
    /// [N, K], with the 0-based labels: what the calibrators fit on.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type or size.</exception>
    /// <exception cref="InvalidOperationException">A Score row that is not a distribution.</exception>
    public static (double[] LogProbabilities, int[] Labels, int ClassCount) LogProbabilities(IDataView data, string labelColumnName, string scoreColumnName, double floor)
    {
        var (_, _, k) = Columns(data.Schema, labelColumnName, scoreColumnName);
        var logP = new List<double>();
        var labels = new List<int>();
        ForEach(data, labelColumnName, scoreColumnName, (p, label) =>
        {
            foreach (var v in p)
                logP.Add(Math.Log(Math.Max(v, floor)));
            labels.Add(label);
        });
        return ([.. logP], [.. labels], k);
    }

    /// <summary>The key label and the score column (one probability per class).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type or size.</exception>
    public static (DataViewSchema.Column Label, DataViewSchema.Column Score, int ClassCount) Columns(DataViewSchema schema,
        string labelColumnName, string scoreColumnName)
    {
        var (label, k) = ColumnContract.RequireKeyLabel(schema, labelColumnName, nameof(labelColumnName), "data");
        var (score, _) = ColumnContract.RequireFloatVector(schema, scoreColumnName, nameof(scoreColumnName), "data", k,
            $"one probability per class of label column '{labelColumnName}'");
        return (label, score, k);
    }
}

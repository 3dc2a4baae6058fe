using MLNet.SoftTargets;

namespace Microsoft.ML;

/// <summary>
/// Calibration: <c>mlContext.MulticlassClassification.EvaluateCalibration(...)</c> and
/// <c>mlContext.Transforms.CalibrateTemperature(...)</c>. In <c>namespace Microsoft.ML</c> so no extra <c>using</c> is needed.
/// </summary>
public static class SoftTargetCalibrationCatalog
{
    /// <summary>
    /// ECE, MCE, log-loss, Brier score and accuracy of a multiclass model's scores (any ML.NET multiclass model: the
    /// Score column holds class probabilities), with <paramref name="bins"/> equal-width confidence bins.
    /// Rows with a missing label are skipped.
    /// </summary>
    /// <param name="catalog">The multiclass catalog.</param>
    /// <param name="data">Scored data.</param>
    /// <param name="labelColumnName">The key label column (default <c>Label</c>).</param>
    /// <param name="scoreColumnName">The probability column, <c>Vector&lt;Single, K&gt;</c> (default <c>Score</c>).</param>
    /// <param name="bins">Confidence bins (default 15).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bins"/> &lt; 1, or a column is missing or has the wrong type.</exception>
    /// <exception cref="InvalidOperationException">No labelled rows, or a Score row that is not a distribution.</exception>
    public static CalibrationMetrics EvaluateCalibration(this MulticlassClassificationCatalog catalog, IDataView data,
        string labelColumnName = "Label", string scoreColumnName = "Score", int bins = 15)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 1);
        var accumulator = new CalibrationAccumulator(bins);
        CalibrationData.ForEach(data, labelColumnName, scoreColumnName, (p, label) => accumulator.Add(p, label));
        return accumulator.Result();
    }

    /// <summary>
    /// Temperature scaling: <c>Fit</c> finds T minimising the log-loss of <c>softmax(log p / T)</c> on its data (use a
    /// held-out set); the fitted transformer rewrites <paramref name="scoreColumnName"/> and exposes <c>Temperature</c>.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="labelColumnName">The key label column (default <c>Label</c>).</param>
    /// <param name="scoreColumnName">The probability column (default <c>Score</c>).</param>
    public static CalibrateTemperatureEstimator CalibrateTemperature(this TransformsCatalog catalog,
        string labelColumnName = "Label", string scoreColumnName = "Score")
        => new(labelColumnName, scoreColumnName);
}

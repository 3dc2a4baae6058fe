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
    /// Score column holds class probabilities), with <paramref name="bins"/> confidence bins of equal width or equal mass,
    /// and the classwise ECE. Rows with a missing label are skipped.
    /// </summary>
    /// <param name="catalog">The multiclass catalog.</param>
    /// <param name="data">Scored data.</param>
    /// <param name="labelColumnName">The key label column (default <c>Label</c>).</param>
    /// <param name="scoreColumnName">The probability column, <c>Vector&lt;Single, K&gt;</c> (default <c>Score</c>).</param>
    /// <param name="bins">Confidence bins (default 15).</param>
    /// <param name="binning">Equal-width (default) or equal-mass bins of the top-1 confidence (see <see cref="CalibrationBinning"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bins"/> &lt; 1, an unknown <paramref name="binning"/>, or a column is missing or has the wrong type.</exception>
    /// <exception cref="InvalidOperationException">No labelled rows, or a Score row that is not a distribution.</exception>
    public static CalibrationMetrics EvaluateCalibration(this MulticlassClassificationCatalog catalog, IDataView data,
        string labelColumnName = "Label", string scoreColumnName = "Score", int bins = 15, CalibrationBinning binning = CalibrationBinning.EqualWidth)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 1);
        var accumulator = new CalibrationAccumulator(bins, binning);
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

    /// <summary>
    /// Vector scaling: <c>Fit</c> finds w and b minimising the log-loss of <c>softmax(w ⊙ log p + b)</c> on its data (use a
    /// held-out set); the fitted transformer rewrites <paramref name="scoreColumnName"/> (name, type and slot names kept)
    /// and saves and loads in stock ML.NET. Works on any multiclass model's probability column.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="labelColumnName">The key label column (default <c>Label</c>).</param>
    /// <param name="scoreColumnName">The probability column (default <c>Score</c>).</param>
    public static CalibrateVectorScalingEstimator CalibrateVectorScaling(this TransformsCatalog catalog,
        string labelColumnName = "Label", string scoreColumnName = "Score")
        => new(labelColumnName, scoreColumnName);

    /// <summary>
    /// Dirichlet calibration (Kull et al. 2019): <c>softmax(W · log p + b)</c> with a full matrix W, fitted by log-loss plus
    /// ODIR regularisation (<paramref name="offDiagonalL2"/> on W's off-diagonal, <paramref name="interceptL2"/> on b, each
    /// divided by its number of entries) on the data <c>Fit</c> is given (use a held-out set). The fitted transformer
    /// rewrites <paramref name="scoreColumnName"/> and saves and loads in stock ML.NET.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="labelColumnName">The key label column (default <c>Label</c>).</param>
    /// <param name="scoreColumnName">The probability column (default <c>Score</c>).</param>
    /// <param name="offDiagonalL2">λ ≥ 0 (default 1e-3).</param>
    /// <param name="interceptL2">μ ≥ 0 (default 1e-3).</param>
    public static CalibrateDirichletEstimator CalibrateDirichlet(this TransformsCatalog catalog,
        string labelColumnName = "Label", string scoreColumnName = "Score", double offDiagonalL2 = 1e-3, double interceptL2 = 1e-3)
        => new(labelColumnName, scoreColumnName, offDiagonalL2, interceptL2);

    /// <summary>
    /// Feature-norm and class-tightness diagnostics of a model's penultimate features (<paramref name="embeddingColumnName"/>,
    /// from <c>SoftTargetCrossEntropy</c> with <c>OutputEmbedding = true</c>) and, when present, of its logits.
    /// </summary>
    /// <param name="catalog">The multiclass catalog.</param>
    /// <param name="data">Scored data with the label and the embedding.</param>
    /// <param name="labelColumnName">The key label column (default <c>Label</c>).</param>
    /// <param name="embeddingColumnName">The penultimate features (default <c>Embedding</c>).</param>
    /// <param name="logitsColumnName">The logits (default <c>Logits</c>; skipped when absent).</param>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type.</exception>
    public static RepresentationMetrics AnalyzeRepresentation(this MulticlassClassificationCatalog catalog, IDataView data,
        string labelColumnName = "Label", string embeddingColumnName = "Embedding", string? logitsColumnName = "Logits")
        => RepresentationAnalysis.Analyze(data, labelColumnName, embeddingColumnName, logitsColumnName);

    /// <summary>
    /// Projects the penultimate features of three classes onto the plane through their templates (the last layer's
    /// weight vectors): Müller et al. (2019)'s picture of how label smoothing tightens clusters.
    /// </summary>
    /// <param name="catalog">The multiclass catalog.</param>
    /// <param name="model">The trained model (its last layer gives the templates).</param>
    /// <param name="scored">Data scored by <paramref name="model"/> with <c>OutputEmbedding = true</c>.</param>
    /// <param name="classes">Three different 0-based class indices.</param>
    /// <param name="labelColumnName">The key label column (default <c>Label</c>).</param>
    /// <param name="embeddingColumnName">The penultimate features (default <c>Embedding</c>).</param>
    /// <param name="maxPointsPerClass">At most this many examples per class (default 300).</param>
    /// <exception cref="ArgumentOutOfRangeException">The classes or a column are invalid.</exception>
    public static TemplatePlaneProjection ProjectOnTemplatePlane(this MulticlassClassificationCatalog catalog, SoftTargetCrossEntropyModel model,
        IDataView scored, IReadOnlyList<int> classes, string labelColumnName = "Label", string embeddingColumnName = "Embedding", int maxPointsPerClass = 300)
        => RepresentationAnalysis.Project(model, scored, classes, labelColumnName, embeddingColumnName, maxPointsPerClass);
}

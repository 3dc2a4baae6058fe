namespace MLNet.SoftTargets;

/// <summary>
/// How well a classifier's confidence matches its accuracy (Guo et al. 2017, "On Calibration of Modern Neural
/// Networks"), from <c>mlContext.MulticlassClassification.EvaluateCalibration</c>.
/// </summary>
/// <remarks>
/// Confidence is the top-1 probability. With <see cref="CalibrationBinning.EqualWidth"/> bins are equal-width intervals
/// <c>((b-1)/B, b/B]</c> (the first also holds 0), so a confidence exactly on an edge belongs to the bin below it; with
/// <see cref="CalibrationBinning.EqualMass"/> they are equal-count groups of the sorted confidences.
/// </remarks>
public sealed record CalibrationMetrics
{
    /// <summary>ECE = Σ_b (n_b / N) · |accuracy_b − confidence_b| over the bins.</summary>
    public required double ExpectedCalibrationError { get; init; }

    /// <summary>MCE = max over non-empty bins of |accuracy_b − confidence_b|.</summary>
    public required double MaximumCalibrationError { get; init; }

    /// <summary>
    /// Classwise ECE (Kull et al. 2019): for each class k, equal-width bins of p_k (the same edge rule as
    /// <see cref="CalibrationBinning.EqualWidth"/>, whatever <see cref="Binning"/> is) against 1[y = k],
    /// ECE_k = Σ_b (n_b / N) · |frequency_b − mean p_k in b|; the mean over the K classes.
    /// </summary>
    public required double ClasswiseExpectedCalibrationError { get; init; }

    /// <summary>Mean negative log-probability of the true class, with probabilities clamped to ≥ 1e-15.</summary>
    public required double LogLoss { get; init; }

    /// <summary>Multiclass Brier score: mean over rows of Σ_k (p_k − y_k)², y the one-hot label (0 … 2).</summary>
    public required double BrierScore { get; init; }

    /// <summary>Fraction of rows whose arg-max class (the first on ties) is the label.</summary>
    public required double Accuracy { get; init; }

    /// <summary>Rows evaluated (rows with a missing label are skipped).</summary>
    public required long RowCount { get; init; }

    /// <summary>How the top-1 confidences were binned.</summary>
    public CalibrationBinning Binning { get; init; }

    /// <summary>The bins, lowest first, including empty ones (for equal mass: <c>Lower</c>/<c>Upper</c> are the group's lowest and highest confidence, NaN when empty).</summary>
    public required IReadOnlyList<CalibrationBin> Bins { get; init; }

    /// <summary>Per class k, the equal-width bins of p_k (<c>Accuracy</c> is the frequency of label k in the bin), for <see cref="ClasswiseExpectedCalibrationError"/> and classwise diagrams.</summary>
    public IReadOnlyList<IReadOnlyList<CalibrationBin>> ClasswiseBins { get; init; } = [];
}

/// <summary>One confidence bin of <see cref="CalibrationMetrics"/>.</summary>
/// <param name="Lower">Exclusive lower edge (inclusive for the first bin, which also holds confidence 0); for equal-mass bins the lowest confidence in the bin.</param>
/// <param name="Upper">Inclusive upper edge; for equal-mass bins the highest confidence in the bin.</param>
/// <param name="Count">Rows whose top-1 confidence falls in the bin.</param>
/// <param name="MeanConfidence">Their mean top-1 confidence (NaN when empty).</param>
/// <param name="Accuracy">Their accuracy (NaN when empty).</param>
public sealed record CalibrationBin(double Lower, double Upper, long Count, double MeanConfidence, double Accuracy)
{
    /// <summary>|Accuracy − MeanConfidence|, 0 for an empty bin.</summary>
    public double Gap => Count == 0 ? 0 : Math.Abs(Accuracy - MeanConfidence);
}

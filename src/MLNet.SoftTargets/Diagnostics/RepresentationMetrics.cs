namespace MLNet.SoftTargets;

/// <summary>
/// What a trained model's penultimate features (and logits) look like — the evidence of Müller, Kornblith &amp; Hinton
/// (2019): label smoothing shrinks feature norms and pulls same-class features into tight clusters. From
/// <c>mlContext.MulticlassClassification.AnalyzeRepresentation</c>.
/// </summary>
public sealed record RepresentationMetrics
{
    /// <summary>L2 norms of the <c>Embedding</c> rows.</summary>
    public required NormStatistics FeatureNorm { get; init; }

    /// <summary>L2 norms of the <c>Logits</c> rows, or null when the data has no logits column.</summary>
    public NormStatistics? LogitNorm { get; init; }

    /// <summary>
    /// Class tightness: the mean distance of an example to its class centroid divided by the mean distance between
    /// class centroids. Smaller is tighter (clusters small relative to their separation).
    /// </summary>
    public required double TightnessRatio { get; init; }

    /// <summary>Mean distance of an example to its class centroid, per class (NaN for a class without rows).</summary>
    public required IReadOnlyList<double> IntraClassDistance { get; init; }

    /// <summary>Mean distance between the centroids of two different classes.</summary>
    public required double InterCentroidDistance { get; init; }

    /// <summary>Rows analysed (rows with a missing label are skipped).</summary>
    public required long RowCount { get; init; }
}

/// <summary>Summary of a set of vector norms, overall and per class.</summary>
/// <param name="Mean">Mean norm.</param>
/// <param name="Median">Median norm.</param>
/// <param name="Percentile10">10th percentile.</param>
/// <param name="Percentile90">90th percentile.</param>
/// <param name="MeanPerClass">Mean norm per class, in key order (NaN for a class without rows).</param>
public sealed record NormStatistics(double Mean, double Median, double Percentile10, double Percentile90, IReadOnlyList<double> MeanPerClass);

/// <summary>
/// Penultimate features projected onto the plane through three class templates (the last layer's weight vectors of
/// three classes), the visualisation of Müller et al. (2019, figure 1).
/// </summary>
/// <param name="ClassNames">The three classes.</param>
/// <param name="Templates">The three templates' coordinates in the plane (the first is the origin).</param>
/// <param name="Points">Projected examples: coordinates and the index (0–2) of their class among <paramref name="ClassNames"/>.</param>
public sealed record TemplatePlaneProjection(IReadOnlyList<string> ClassNames, IReadOnlyList<(double X, double Y)> Templates,
    IReadOnlyList<(double X, double Y, int Class)> Points);

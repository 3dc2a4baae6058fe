using MLNet.SoftTargets;

namespace Microsoft.ML;

/// <summary>
/// Soft-target transforms on <see cref="TransformsCatalog"/>: <c>mlContext.Transforms.SmoothLabels(0.1)</c>,
/// <c>mlContext.Transforms.SharpenLabels(0.5)</c>. In <c>namespace Microsoft.ML</c> so no extra <c>using</c> is needed.
/// </summary>
public static class SoftTargetsCatalog
{
    /// <summary>
    /// Label smoothing: turns a key label (<c>Key&lt;UInt32, K&gt;</c>) or a probability vector
    /// (<c>Vector&lt;Single, K&gt;</c>) into a soft target <c>Vector&lt;Single, K&gt;</c>.
    /// <see cref="LabelSmoothingKind.OffTarget"/>: true class <c>1-α</c>, others <c>α/(K-1)</c>;
    /// <see cref="LabelSmoothingKind.Uniform"/>: <c>(1-α)·onehot + α/K</c>;
    /// <see cref="LabelSmoothingKind.ClassPrior"/>: <c>(1-α)·onehot + α·prior</c> with the prior counted by <c>Fit</c>.
    /// A probability vector is first normalised to sum 1 and mixed with the same reference distribution.
    /// Missing keys and rows that are not distributions (NaN, negative, infinite, all zero) give all-NaN rows.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="alpha">Mass moved off the target, in [0, 1).</param>
    /// <param name="outputColumnName">The soft-target column written (default <c>SoftTarget</c>).</param>
    /// <param name="inputColumnName">The key or probability-vector column read (default <c>Label</c>).</param>
    /// <param name="kind">The smoothing convention (default <see cref="LabelSmoothingKind.OffTarget"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="alpha"/> is NaN or outside [0, 1).</exception>
    public static SmoothLabelsEstimator SmoothLabels(this TransformsCatalog catalog, double alpha,
        string outputColumnName = "SoftTarget", string inputColumnName = "Label", LabelSmoothingKind kind = LabelSmoothingKind.OffTarget)
        => new(alpha, outputColumnName, inputColumnName, kind);

    /// <summary>
    /// Sharpening / temperature softening: <c>p_k^(1/T) / Σ_j p_j^(1/T)</c> of a probability vector
    /// (a key input gives its one-hot row, the T → 0 limit). T &lt; 1 sharpens (MixMatch pseudo-labels),
    /// T = 1 only normalises, T &gt; 1 softens (a teacher's scores for distillation).
    /// Missing keys and rows that are not distributions give all-NaN rows.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="temperature">T, a finite number &gt; 0.</param>
    /// <param name="outputColumnName">The soft-target column written (default <c>SoftTarget</c>).</param>
    /// <param name="inputColumnName">The key or probability-vector column read (default <c>Label</c>).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="temperature"/> is not a finite number &gt; 0.</exception>
    public static SharpenLabelsEstimator SharpenLabels(this TransformsCatalog catalog, double temperature,
        string outputColumnName = "SoftTarget", string inputColumnName = "Label")
        => new(temperature, outputColumnName, inputColumnName);
}

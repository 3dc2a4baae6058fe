namespace MLNet.SoftTargets;

/// <summary>
/// Fitted label smoothing: writes <c>(1-α)</c>-weighted targets mixed with a reference distribution
/// (see <see cref="LabelSmoothingKind"/>) into a <c>Vector&lt;Single, K&gt;</c> column.
/// Created by <c>mlContext.Transforms.SmoothLabels(...)</c>.
/// </summary>
public sealed class SmoothLabelsTransformer : SoftTargetTransformerBase
{
    internal SmoothLabelsTransformer(SoftTargetInputColumn input, string outputColumnName, double alpha, LabelSmoothingKind kind, double[]? classPrior)
        : base(input, outputColumnName, new SmoothingMapping(input.ClassCount, alpha, kind, classPrior))
    {
        Alpha = alpha;
        Kind = kind;
        ClassPrior = classPrior;
    }

    /// <summary>α, the probability mass moved off the target.</summary>
    public double Alpha { get; }

    /// <summary>The smoothing convention.</summary>
    public LabelSmoothingKind Kind { get; }

    /// <summary>
    /// For <see cref="LabelSmoothingKind.ClassPrior"/>: the class frequencies counted by <c>Fit</c>
    /// (K values summing to 1); otherwise null.
    /// </summary>
    public IReadOnlyList<double>? ClassPrior { get; }
}

namespace MLNet.SoftTargets;

/// <summary>
/// How <c>SmoothLabels</c> moves probability mass α off the target distribution
/// (Szegedy et al. 2016, "Rethinking the Inception Architecture"; Müller, Kornblith &amp; Hinton 2019,
/// "When does label smoothing help?").
/// </summary>
public enum LabelSmoothingKind
{
    /// <summary>
    /// The true class gets exactly <c>1 - α</c>, every other class <c>α / (K - 1)</c>.
    /// On a probability vector p this is <c>p·(1 - α·K/(K-1)) + α/(K-1)</c>.
    /// </summary>
    OffTarget = 0,

    /// <summary>
    /// <c>(1 - α)·onehot + α/K</c>: the convention of PyTorch's <c>label_smoothing</c>, Keras and timm.
    /// On a probability vector p: <c>(1 - α)·p + α/K</c>.
    /// </summary>
    Uniform = 1,

    /// <summary>
    /// <c>(1 - α)·onehot + α·prior</c>, where the prior is the class frequency counted by <c>Fit</c>
    /// (for a probability-vector input: the mean of its valid rows).
    /// </summary>
    ClassPrior = 2,
}

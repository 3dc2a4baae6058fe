namespace MLNet.SoftTargets;

/// <summary>
/// Mixup (Zhang et al. 2018) and CutMix (Yun et al. 2019) inside the trainer, per batch: with probability
/// <see cref="Probability"/> the batch is mixed with a seeded permutation of itself. Mixup: λ ~ Beta(α, α) with
/// α = <see cref="MixupAlpha"/>, features x̃ = λ·x + (1 − λ)·x[π]. CutMix: λ ~ Beta(α, α) with α = <see cref="CutMixAlpha"/>,
/// a box of area (1 − λ)·H·W on <see cref="ImageShape"/> (centre uniform, clipped at the borders) takes x[π]'s pixels in
/// every channel, and λ becomes 1 − box area / (H·W). Soft targets mix with the same λ: q̃ = λ·q + (1 − λ)·q[π]; with
/// example weights the weights mix so (w̃ = λ·w + (1 − λ)·w[π]) and the targets by weight,
/// q̃ = (λ·w·q + (1 − λ)·w[π]·q[π]) / w̃, so a weight-0 row lends no label. Smoothing stays where <c>SmoothLabels</c> put
/// it, never applied again. With both α &gt; 0,
/// CutMix is chosen for a batch with probability <see cref="SwitchProbability"/>; α = 0 turns each off.
/// </summary>
/// <remarks>
/// Every draw is a pure function of the trainer's <c>Seed</c> and the step number, so runs repeat exactly and a
/// checkpoint resumes exactly. A teacher (<see cref="SoftTargetCrossEntropyTrainer.Options.Teacher"/>) scores the mixed
/// batch. Not with a <see cref="BackboneOptions"/> student or with <see cref="SoftTargetOptimizer.Lbfgs"/>; with the
/// optimizer unset, Adam is used.
/// </remarks>
public sealed record MixupOptions
{
    /// <summary>Mixup's Beta(α, α) parameter (≥ 0; 0 turns mixup off). Default 0.2.</summary>
    public double MixupAlpha { get; init; } = 0.2;

    /// <summary>CutMix's Beta(α, α) parameter (≥ 0; 0 turns CutMix off; &gt; 0 needs <see cref="ImageShape"/>). Default 0.</summary>
    public double CutMixAlpha { get; init; }

    /// <summary>The probability that a batch is mixed at all, in [0, 1]. Default 1.</summary>
    public double Probability { get; init; } = 1;

    /// <summary>With both α &gt; 0: the probability that a mixed batch uses CutMix instead of mixup, in [0, 1]. Default 0.5.</summary>
    public double SwitchProbability { get; init; } = 0.5;

    /// <summary>[C, H, W] of the features (row-major, channel first; the product must be the feature width), for CutMix. Default null.</summary>
    public IReadOnlyList<int>? ImageShape { get; init; }
}

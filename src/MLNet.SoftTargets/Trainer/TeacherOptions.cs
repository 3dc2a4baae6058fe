namespace MLNet.SoftTargets;

/// <summary>
/// Knowledge distillation inside the trainer (Hinton et al. 2015): a frozen teacher scores every batch the student
/// trains on (after mixing, when <see cref="SoftTargetCrossEntropyTrainer.Options.Mixup"/> is set), and each row's loss is
/// <c>(1 − λ)·CE(q, softmax(z_s / T_loss)) + λ·T²·KL(softmax(z_t / T) ‖ softmax(z_s / T))</c> with λ = <see cref="Weight"/>,
/// T = <see cref="Temperature"/>, q the soft target (or the label's one-hot), T_loss the trainer's <c>LossTemperature</c>;
/// the weighted mean over the batch as without a teacher. The teacher reads the student's feature column.
/// </summary>
/// <remarks>
/// Set exactly one of <see cref="Model"/> and <see cref="ModelPath"/>. The teacher must have the student's feature
/// width and class count, its classes in the label's key order. It runs in an ONNX Runtime session of its own, once
/// per batch, on the batch the step then trains on. <see cref="Weight"/> = 0 trains exactly as without a teacher (the
/// teacher is not run). Not with a <see cref="BackboneOptions"/> student (its batches hold the frozen part's outputs,
/// not the feature column) or with <see cref="SoftTargetOptimizer.Lbfgs"/>; with the optimizer unset, Adam is used.
/// </remarks>
public sealed record TeacherOptions
{
    /// <summary>A trained model as the teacher (its logits are used). Or set <see cref="ModelPath"/>.</summary>
    public SoftTargetCrossEntropyModel? Model { get; init; }

    /// <summary>
    /// An ONNX classifier with one float input [N, D] (D the student's feature width) and an output [N, K]: read as
    /// logits, or as probabilities when the output is named <c>Score</c> (their clamped logarithms are the logits).
    /// </summary>
    public string? ModelPath { get; init; }

    /// <summary>The output of <see cref="ModelPath"/>'s graph to read. Default null: <c>Logits</c> when the graph has it, else <c>Score</c>.</summary>
    public string? OutputName { get; init; }

    /// <summary>
    /// Whether <see cref="ModelPath"/>'s output holds probabilities (read through their logarithms, floored at 1e-30)
    /// rather than logits. Default null: true exactly when the output is named <c>Score</c>. Set it for a probability
    /// output of another name (e.g. <c>probabilities</c>): read as logits, probabilities would give a near-uniform teacher.
    /// </summary>
    public bool? OutputIsProbabilities { get; init; }

    /// <summary>The distillation temperature T in (0, 10⁴], for the teacher's and the student's softmax in the KL term. Default 4.</summary>
    public double Temperature { get; init; } = 4;

    /// <summary>λ in [0, 1]: the share of the distillation term (1 − λ goes to the soft-target cross-entropy). Default 0.9.</summary>
    public double Weight { get; init; } = 0.9;
}

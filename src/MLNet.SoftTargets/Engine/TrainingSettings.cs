using MLNet.SoftTargets.Backbones;

namespace MLNet.SoftTargets.Engine;

/// <summary>
/// Everything that changes the arithmetic of a training run — and therefore everything a checkpoint must match to be
/// resumed: <see cref="Fingerprint"/> is derived from every property of these records (<see cref="SettingsFingerprint"/>),
/// so a setting added here is fingerprinted without anyone remembering to. What does not change the numbers (device,
/// threads, where checkpoints go, callbacks) is in <see cref="RunSettings"/>.
/// </summary>
internal sealed record TrainingSettings
{
    public required NetworkSettings Network { get; init; }

    public required OptimizerSettings Optimizer { get; init; }

    public required ScheduleSettings Schedule { get; init; }

    public required BatchSettings Batches { get; init; }

    public required LossSettings Loss { get; init; }

    public required StoppingSettings Stopping { get; init; }

    public required LbfgsSettings Lbfgs { get; init; }

    /// <summary>The teacher of in-the-loop distillation, or null (none, or <c>Weight</c> 0).</summary>
    public TeacherSettings? Teacher { get; init; }

    /// <summary>Mixup / CutMix of each batch, or null (none, or both α 0, or probability 0).</summary>
    public MixupSettings? Mixup { get; init; }

    /// <summary>Which data columns the examples come from (a checkpoint of a run on other columns is not resumed).</summary>
    public required string DataSource { get; init; }

    /// <summary>The canonical text of every setting (see <see cref="SettingsFingerprint"/>).</summary>
    public string Fingerprint => SettingsFingerprint.Of(this);
}

/// <summary>The network: features in, K classes out, the head's layers and an optional pretrained backbone.</summary>
/// <param name="FeatureCount">D, values per raw example.</param>
/// <param name="ClassCount">K.</param>
/// <param name="HiddenLayerSizes">Widths of the head's ReLU layers; empty for a linear head.</param>
/// <param name="CosineScale">The fixed scale of a cosine last layer; null for a linear one.</param>
/// <param name="Backbone">The pretrained backbone, or null.</param>
internal sealed record NetworkSettings(int FeatureCount, int ClassCount, IReadOnlyList<int> HiddenLayerSizes, double? CosineScale, BackboneSettings? Backbone);

/// <summary>
/// The optimizer and its constants. <c>WeightDecay</c> is λ; null means 0, except for full-batch L-BFGS, where it means
/// 1/Σw (ML.NET's <c>L2Regularization = 1</c> on its summed loss).
/// </summary>
internal sealed record OptimizerSettings(SoftTargetOptimizer Kind, double LearningRate, double? WeightDecay, double Beta1, double Beta2, double Epsilon,
    double Momentum, bool Nesterov);

/// <summary>
/// A frozen teacher: an ONNX model with one float input [N, D] whose output <paramref name="OutputName"/> [N, K] is read as
/// logits, or as probabilities (their clamped logarithms) when <paramref name="OutputIsProbability"/>.
/// </summary>
internal sealed record TeacherSettings(byte[] Model, string OutputName, bool OutputIsProbability, double Temperature, double Weight);

/// <summary>Mixup / CutMix per batch (see <c>MixupOptions</c>); <paramref name="ImageShape"/> is [C, H, W] or null.</summary>
internal sealed record MixupSettings(double MixupAlpha, double CutMixAlpha, double Probability, double SwitchProbability, IReadOnlyList<int>? ImageShape);

/// <summary>Full-batch L-BFGS: the iteration budget and the relative tolerance on the decrease of the objective.</summary>
internal sealed record LbfgsSettings(int MaxIterations, double Tolerance);

/// <summary>The learning-rate schedule after <see cref="WarmupSteps"/> steps of linear warm-up.</summary>
internal sealed record ScheduleSettings(LearningRateSchedule Kind, int StepDecayEpochs, double StepDecayFactor, int WarmupSteps);

/// <summary>How examples become batches: epochs, batch size, shuffling (seeded) and whether the data is cached.</summary>
/// <param name="Epochs">Passes over the data.</param>
/// <param name="BatchSize">Examples per step.</param>
/// <param name="Shuffle">Shuffle every epoch.</param>
/// <param name="ShuffleBufferSize">Rows held by the streaming shuffle buffer.</param>
/// <param name="CacheData">Read the examples once into memory.</param>
/// <param name="Seed">Seeds the initialisation and every epoch's shuffle.</param>
internal sealed record BatchSettings(int Epochs, int BatchSize, bool Shuffle, int ShuffleBufferSize, bool CacheData, int Seed);

/// <summary>The loss: soft-target cross-entropy at a temperature, with or without per-example weights.</summary>
internal sealed record LossSettings(double Temperature, bool ExampleWeights);

/// <summary>
/// Early stopping on the validation metric (null patience never stops early) and the plateau stop on the training
/// loss: <paramref name="PlateauPatience"/> epochs in a row without an improvement over the best epoch so far of at
/// least <paramref name="PlateauTolerance"/> × max(best, 0.1) (null never stops on a plateau).
/// </summary>
/// <param name="Patience">Epochs without validation improvement before early stopping.</param>
/// <param name="Metric">The validation metric early stopping watches.</param>
/// <param name="PlateauPatience">Epochs without training-loss improvement before the plateau stop.</param>
/// <param name="PlateauTolerance">The relative improvement that counts.</param>
internal sealed record StoppingSettings(int? Patience, EarlyStoppingMetric Metric, int? PlateauPatience = null, double PlateauTolerance = 0);

/// <summary>
/// How a run is carried out without changing its numbers: where, with how many threads, where checkpoints go and how
/// often, and who hears about progress.
/// </summary>
internal sealed record RunSettings(TrainingDevice Device, int Threads, string? CheckpointDirectory, int CheckpointInterval,
    IProgress<TrainingProgress>? Progress, Action<string>? Log, CancellationToken Cancellation);

namespace MLNet.SoftTargets;

public sealed partial class SoftTargetCrossEntropyTrainer
{
    /// <summary>
    /// Everything that configures <see cref="SoftTargetCrossEntropyTrainer"/>. Immutable: the trainer validates it at
    /// construction and never writes back to it.
    /// </summary>
    public sealed record Options
    {
        /// <summary>The key label column (class count, class names, evaluation). Required. Default <c>Label</c>.</summary>
        public string LabelColumnName { get; init; } = "Label";

        /// <summary>
        /// The soft-target column (<c>Vector&lt;Single, K&gt;</c>, e.g. from <c>SmoothLabels</c>); null trains on the
        /// one-hot of the label (plain cross-entropy). Default <c>SoftTarget</c>.
        /// </summary>
        public string? SoftTargetColumnName { get; init; } = "SoftTarget";

        /// <summary>The feature column (<c>Vector&lt;Single, D&gt;</c>). Default <c>Features</c>.</summary>
        public string FeatureColumnName { get; init; } = "Features";

        /// <summary>An optional <c>Single</c> per-example weight column (finite, ≥ 0). Default null (weight 1).</summary>
        public string? ExampleWeightColumnName { get; init; }

        /// <summary>Hidden layer widths of the head (ReLU); empty for a linear model. Default empty.</summary>
        public IReadOnlyList<int> HiddenLayerSizes { get; init; } = [];

        /// <summary>
        /// When set, the last layer is a cosine classifier: logits = s · cos(features, class weight), with this fixed
        /// scale s and no bias. Default null (a linear last layer).
        /// </summary>
        public double? CosineScale { get; init; }

        /// <summary>Loss temperature T: the loss uses softmax(z / T). Default 1.</summary>
        public double LossTemperature { get; init; } = 1;

        /// <summary>
        /// The optimizer. Default null: <see cref="SoftTargetOptimizer.Lbfgs"/> for a linear head (no hidden layers, no
        /// cosine scale, no backbone) when <see cref="Epochs"/>, <see cref="BatchSize"/> and <see cref="LearningRate"/> are
        /// all unset and the training data holds at most 2^22 feature values (rows × features), else
        /// <see cref="SoftTargetOptimizer.Adam"/>.
        /// </summary>
        public SoftTargetOptimizer? Optimizer { get; init; }

        /// <summary>The (peak) learning rate of Adam, AdamW and SGD. Default null: 1e-3.</summary>
        public double? LearningRate { get; init; }

        /// <summary>
        /// Weight decay λ: L2 for Adam and SGD, decoupled for AdamW, and for L-BFGS the (λ/2)·‖W‖² added to the mean loss
        /// (weight matrices only). Default null: 0 for Adam, AdamW and SGD; for L-BFGS chosen on rows the fit does not
        /// see, among m/Σw for m = 1024, 256, 64, 16, 4, 1, 1/4 (m = 1 is ML.NET's <c>LbfgsMaximumEntropy</c> default,
        /// <c>L2Regularization = 1</c> on its summed loss): 5-fold cross-validation on up to 2^20 feature values, one
        /// 20 % held-out fold above, the validation log-loss when validation data is given; then refitted on all rows.
        /// </summary>
        public double? WeightDecay { get; init; }

        /// <summary>
        /// For <see cref="SoftTargetOptimizer.Lbfgs"/>: stop when the objective's mean relative decrease over the last 5
        /// iterations falls below this. Default 1e-7 (ML.NET's <c>OptimizationTolerance</c>).
        /// </summary>
        public double OptimizationTolerance { get; init; } = 1e-7;

        /// <summary>For <see cref="SoftTargetOptimizer.Lbfgs"/>: the iteration budget (each iteration one or more passes over the data). Default 1,000.</summary>
        public int MaximumNumberOfIterations { get; init; } = 1_000;

        /// <summary>Adam's β1. Default 0.9.</summary>
        public double Beta1 { get; init; } = 0.9;

        /// <summary>Adam's β2. Default 0.999.</summary>
        public double Beta2 { get; init; } = 0.999;

        /// <summary>Adam's ε. Default 1e-8.</summary>
        public double Epsilon { get; init; } = 1e-8;

        /// <summary>SGD momentum μ (0 for none). Default 0.9.</summary>
        public double Momentum { get; init; } = 0.9;

        /// <summary>Use Nesterov momentum with SGD. Default false.</summary>
        public bool Nesterov { get; init; }

        /// <summary>The learning-rate schedule. Default <see cref="LearningRateSchedule.Constant"/>.</summary>
        public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Constant;

        /// <summary>For <see cref="LearningRateSchedule.Step"/>: epochs between decays. Default 10.</summary>
        public int StepDecayEpochs { get; init; } = 10;

        /// <summary>For <see cref="LearningRateSchedule.Step"/>: the factor applied at each decay. Default 0.1.</summary>
        public double StepDecayFactor { get; init; } = 0.1;

        /// <summary>Steps of linear warm-up from 0 to the learning rate before the schedule. Default 0.</summary>
        public int WarmupSteps { get; init; }

        /// <summary>
        /// Passes over the training data (Adam, AdamW, SGD). Default null: an automatic budget — up to
        /// <see cref="AutomaticStepBudget"/> optimizer steps, at least 5 and at most 500 epochs, stopped early on a plateau
        /// of the training loss (or, with validation data, of the validation log-loss, keeping the best epoch).
        /// With a value the run is exactly the fixed-epoch run it always was.
        /// </summary>
        public int? Epochs { get; init; }

        /// <summary>
        /// Examples per step. Default null: 256 when <see cref="Epochs"/> is given (as always), else capped by the data:
        /// the largest power of two ≤ rows / 32, between 16 and 256.
        /// </summary>
        public int? BatchSize { get; init; }

        /// <summary>With <see cref="Epochs"/> unset: the optimizer steps the automatic budget allows. Default 10,000.</summary>
        public int AutomaticStepBudget { get; init; } = 10_000;

        /// <summary>
        /// Shuffle the examples every epoch (seeded). With <see cref="CacheData"/> the whole training set is permuted;
        /// without it, rows are read in the data view's order (shuffled by the view when it can shuffle) and
        /// then drawn at random from a buffer of <see cref="ShuffleBufferSize"/> rows. Default true.
        /// </summary>
        public bool Shuffle { get; init; } = true;

        /// <summary>Rows held by the streaming shuffle buffer (when <see cref="CacheData"/> is false). Default 16,384.</summary>
        public int ShuffleBufferSize { get; init; } = 16_384;

        /// <summary>
        /// Read the training data once into memory and train from that copy (fast for many epochs); false streams every
        /// epoch from the data view through reused buffers, so data larger than memory works. Default null: false when
        /// <see cref="Epochs"/> is given (as always); with the automatic budget, true when the row count is known and the
        /// copy takes at most <see cref="AutomaticCacheBytes"/>. Full-batch L-BFGS always caches.
        /// </summary>
        public bool? CacheData { get; init; }

        /// <summary>With <see cref="CacheData"/> unset and the automatic budget: the largest in-memory copy of the data. Default 1 GiB.</summary>
        public long AutomaticCacheBytes { get; init; } = 1L << 30;

        /// <summary>Seed of the initialisation and the shuffling. Default 42.</summary>
        public int Seed { get; init; } = 42;

        /// <summary>Stop when the validation metric has not improved for this many epochs (needs validation data); null never stops early. The best epoch's weights are kept.</summary>
        public int? EarlyStoppingPatience { get; init; }

        /// <summary>The metric early stopping watches. Default <see cref="SoftTargets.EarlyStoppingMetric.LogLoss"/>.</summary>
        public EarlyStoppingMetric EarlyStoppingMetric { get; init; } = EarlyStoppingMetric.LogLoss;

        /// <summary>Where training runs. Default <see cref="TrainingDevice.Auto"/>.</summary>
        public TrainingDevice Device { get; init; } = TrainingDevice.Auto;

        /// <summary>CPU threads for ONNX Runtime; null uses every core. Default null.</summary>
        public int? Threads { get; init; }

        /// <summary>
        /// A directory for checkpoints (parameters, optimizer state, step, epoch and position in the data). When it
        /// already holds a checkpoint of the same configuration, training resumes from it. Default null (none).
        /// </summary>
        public string? CheckpointDirectory { get; init; }

        /// <summary>Steps between checkpoints (a checkpoint is also written at the end of every epoch and on cancellation). Default 1,000.</summary>
        public int CheckpointInterval { get; init; } = 1_000;

        /// <summary>
        /// A pretrained ONNX backbone to fine-tune: the feature column then holds its raw input, the head sits on its
        /// output, and its top <see cref="BackboneOptions.TrainableLayers"/> layers train too. Default null.
        /// </summary>
        public BackboneOptions? Backbone { get; init; }

        /// <summary>
        /// Knowledge distillation from a frozen teacher inside the training step (Hinton's KL term with its T² factor,
        /// beside the soft-target cross-entropy); see <see cref="TeacherOptions"/>. Default null (none).
        /// </summary>
        public TeacherOptions? Teacher { get; init; }

        /// <summary>Mixup / CutMix of every batch (seeded); see <see cref="MixupOptions"/>. Default null (none).</summary>
        public MixupOptions? Mixup { get; init; }

        /// <summary>Also output the logits as a <c>Logits</c> column. Default false.</summary>
        public bool OutputLogits { get; init; }

        /// <summary>Also output the penultimate features as an <c>Embedding</c> column. Default false.</summary>
        public bool OutputEmbedding { get; init; }

        /// <summary>Receives a report after every epoch (and at the end). Default null.</summary>
        public IProgress<TrainingProgress>? Progress { get; init; }

        /// <summary>Receives log lines (device choice, skipped rows, resumption). Default null.</summary>
        public Action<string>? Log { get; init; }

        /// <summary>Cancels training; a checkpoint is written first when <see cref="CheckpointDirectory"/> is set.</summary>
        public CancellationToken CancellationToken { get; init; }
    }
}

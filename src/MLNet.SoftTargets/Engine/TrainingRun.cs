using MLNet.SoftTargets.Backbones;
using MLNet.SoftTargets.Graphs.Blocks;

namespace MLNet.SoftTargets.Engine;

/// <summary>
/// One training run on the engine: builds the network a <see cref="TrainingSettings"/> describes (loading and cutting
/// the backbone), then <see cref="Train"/> builds the step graph, opens the ONNX Runtime sessions for the device,
/// assembles batches from an <see cref="IExampleSource"/>, runs the epoch loop and returns the trained parameters.
/// Every native object lives inside <see cref="Train"/> and is disposed before it returns.
/// </summary>
internal sealed class TrainingRun
{
    private readonly TrainingSettings _settings;
    private readonly BackboneTop? _backbone;

    /// <exception cref="ArgumentException">The backbone cannot be loaded or cut as asked.</exception>
    public TrainingRun(TrainingSettings settings)
    {
        _settings = settings;
        var network = settings.Network;
        _backbone = network.Backbone is { } backbone ? new BackboneTop(backbone) : null;
        Network = new ClassifierNetwork(
            new ClassifierHead(_backbone?.OutputSize ?? network.FeatureCount, network.ClassCount, network.HiddenLayerSizes, network.CosineScale), _backbone);
    }

    /// <summary>The network this run trains (its <see cref="ClassifierNetwork.RawInputSize"/> is what each example must hold).</summary>
    public ClassifierNetwork Network { get; }

    /// <summary>The backbone's input name and shape, for messages; null without a backbone.</summary>
    public (string Name, long[] Shape)? BackboneInput => _backbone is null ? null : (_backbone.InputName, _backbone.InputShape);

    /// <summary>
    /// Trains on <paramref name="train"/> (raw examples of <see cref="ClassifierNetwork.RawInputSize"/> values), reporting
    /// and early-stopping on <paramref name="validation"/> (one-hot targets) when given, starting from
    /// <paramref name="initialParameters"/> or, when null, from the network's seeded initialisation.
    /// </summary>
    /// <exception cref="InvalidOperationException">Bad data, no usable rows, or a training loss that is not finite.</exception>
    /// <exception cref="OperationCanceledException">The run's cancellation token was cancelled.</exception>
    /// <remarks>
    /// The run happens on a thread of its own, which this call waits for: ONNX Runtime flushes denormals to zero on the
    /// threads that create and run the training sessions (<c>session.set_denormal_as_zero</c>, worth 2× on Adam's
    /// steps), a per-thread floating-point mode that must not leak to the caller's thread. Progress reports and log
    /// lines are delivered on that thread; exceptions are rethrown here with their stack traces.
    /// </remarks>
    public (IReadOnlyDictionary<string, float[]> Parameters, IReadOnlyList<TrainingProgress> History) Train(RunSettings run, IExampleSource train,
        IExampleSource? validation, IReadOnlyDictionary<string, float[]>? initialParameters) =>
        OwnThread.Run(() => TrainHere(run, train, validation, initialParameters));

    private (IReadOnlyDictionary<string, float[]> Parameters, IReadOnlyList<TrainingProgress> History) TrainHere(RunSettings run, IExampleSource train,
        IExampleSource? validation, IReadOnlyDictionary<string, float[]>? initialParameters)
    {
        var initial = initialParameters ?? Network.Initialize(_settings.Batches.Seed);
        Network.CheckValues(initial, nameof(initialParameters));
        if (_settings.Optimizer.Kind == SoftTargetOptimizer.Lbfgs)
        {
            // Options validation and AutomaticSettings give a teacher or mixing mini-batch steps; nothing else may reach here with them.
            if (_settings.Teacher is not null || _settings.Mixup is not null)
                throw new InvalidOperationException("Full-batch L-BFGS cannot run a teacher or mix batches.");
            return TrainFullBatch(run, train, validation, initial);
        }
        var teacherSettings = _settings.Teacher;
        var graph = TrainStepGraph.Build(Network, CreateOptimizer(_settings.Optimizer), _settings.Loss.Temperature, _settings.Loss.ExampleWeights,
            trunkLearningRateScale: _settings.Network.Backbone?.LearningRateMultiplier ?? 1,
            distillation: teacherSettings is null ? null : (teacherSettings.Temperature, teacherSettings.Weight));
        var (sessionOptions, _) = ExecutionProviders.Create(run.Device, run.Threads, run.Log);
        using (sessionOptions)
        using (var featurizer = _backbone is null ? null : new BackboneTop.Featurizer(_backbone, sessionOptions))
        using (var runner = new TrainStepRunner(graph, initial, _settings.Batches.BatchSize, Network.InputSize, Network.ClassCount, sessionOptions))
        using (var teacher = teacherSettings is null ? null : new TeacherRunner(teacherSettings, runner.FeatureBuffer, Network.InputSize, Network.ClassCount, sessionOptions))
        using (var evaluator = validation is null ? null : new ValidationEvaluator(validation, Network, sessionOptions, featurizer, run.Cancellation))
        {
            // With a backbone the frozen part runs once per example, so the data is always cached (the bottleneck cache).
            BatchSource source = _settings.Batches.CacheData || featurizer is not null
                ? new CachedBatchSource(train, _settings.Batches, featurizer, run.Cancellation)
                : new StreamingBatchSource(train, _settings.Batches);
            var mixer = _settings.Mixup is { } mixup
                ? new BatchMixer(mixup, _settings.Batches.Seed, _settings.Batches.BatchSize, Network.InputSize, Network.ClassCount, weighted: graph.HasWeights)
                : null;
            return new TrainingLoop(_settings, run, graph, runner, source, evaluator, mixer, teacher).Run();
        }
    }

    private (IReadOnlyDictionary<string, float[]>, IReadOnlyList<TrainingProgress>) TrainFullBatch(RunSettings run, IExampleSource train, IExampleSource? validation,
        IReadOnlyDictionary<string, float[]> initial)
    {
        var (sessionOptions, _) = ExecutionProviders.Create(run.Device, run.Threads, run.Log);
        using (sessionOptions)
        using (var featurizer = _backbone is null ? null : new BackboneTop.Featurizer(_backbone, sessionOptions))
        using (var evaluator = validation is null ? null : new ValidationEvaluator(validation, Network, sessionOptions, featurizer, run.Cancellation))
        {
            var data = new CachedBatchSource(train, _settings.Batches, featurizer, run.Cancellation);
            if (data.ExampleCount is not > 0)
                throw new InvalidOperationException(data.SkippedRows > 0
                    ? $"All {data.SkippedRows} rows of the training data are missing (label key missing, or soft target containing NaN): nothing to train on."
                    : "The training data has no rows.");
            if (data.SkippedRows > 0)
                run.Log?.Invoke($"Skipped {data.SkippedRows} rows whose label or soft target is missing.");
            // The path's fits report nothing but a cancellation.
            var silent = run with { Progress = run.Progress is null ? null : new CancellationOnly(run.Progress) };
            (IReadOnlyDictionary<string, float[]>, IReadOnlyList<TrainingProgress>) Fit(FullBatchObjective objective, IReadOnlyDictionary<string, float[]> start, bool final) =>
                final ? new LbfgsLoop(objective, _settings.Lbfgs, run, evaluator, _settings.Stopping, data.SkippedRows).Run(start)
                    : new LbfgsLoop(objective, _settings.Lbfgs with { Tolerance = Math.Max(_settings.Lbfgs.Tolerance, RegularisationPath.Tolerance) }, silent, null,
                        _settings.Stopping with { Patience = null }, data.SkippedRows).Run(start);
            using var session = new LossGradientSession(Network, _settings.Loss, sessionOptions);
            if (_settings.Optimizer.WeightDecay is { } l2)
            {
                using var objective = new FullBatchObjective(session, data.Rows.All, l2);
                return Fit(objective, initial, true);
            }
            // λ unset: the regularisation path on a seeded random order of the rows (see RegularisationPath).
            data.Rows.Shuffle(_settings.Batches.Seed);
            return RegularisationPath.Train(session, data.Rows, initial, evaluator, Fit, run.Log, run.Cancellation);
        }
    }

    private static OptimizerBlock CreateOptimizer(OptimizerSettings o) => o.Kind switch
    {
        SoftTargetOptimizer.Sgd => new SgdBlock(o.Momentum, o.Nesterov, o.WeightDecay ?? 0),
        SoftTargetOptimizer.AdamW => new AdamBlock(o.Beta1, o.Beta2, o.Epsilon, o.WeightDecay ?? 0, decoupledWeightDecay: true),
        _ => new AdamBlock(o.Beta1, o.Beta2, o.Epsilon, o.WeightDecay ?? 0, decoupledWeightDecay: false),
    };

    private sealed class CancellationOnly(IProgress<TrainingProgress> inner) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.StopReason == TrainingStopReason.Cancelled)
                inner.Report(value);
        }
    }
}

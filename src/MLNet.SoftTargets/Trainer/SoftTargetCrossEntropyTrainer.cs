using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.OnnxRuntime;
using MLNet.SoftTargets.Graphs.Blocks;
using MLNet.SoftTargets.Training;

namespace MLNet.SoftTargets;

/// <summary>
/// Trains a classifier on feature vectors with the soft-target cross-entropy
/// <c>-(1/Σw) Σ_n w_n Σ_k q_nk log softmax(z_n/T)_k</c>, where q is a soft-target column (e.g. from
/// <c>SmoothLabels</c>, or a teacher's softened scores) or the one-hot of the label. Each training step is one ONNX
/// graph (forward, loss, gradients, optimizer update) run by ONNX Runtime on the CPU or a CUDA GPU.
/// Created by <c>mlContext.MulticlassClassification.Trainers.SoftTargetCrossEntropy(...)</c>.
/// </summary>
public sealed partial class SoftTargetCrossEntropyTrainer : IEstimator<SoftTargetCrossEntropyModel>
{
    private readonly Options _options;

    /// <summary>Creates the trainer.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of its range (the message names it, its value and the range).</exception>
    /// <exception cref="ArgumentException">A column name is empty.</exception>
    public SoftTargetCrossEntropyTrainer(Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        OptionsValidation.Check(options);
        _options = options with { HiddenLayerSizes = [.. options.HiddenLayerSizes] };
    }

    /// <summary>The options the trainer was created with.</summary>
    public Options TrainerOptions => _options;

    /// <summary>Trains on <paramref name="input"/>.</summary>
    public SoftTargetCrossEntropyModel Fit(IDataView input) => Fit(input, null, null);

    /// <summary>
    /// Trains on <paramref name="trainData"/>, reporting (and early-stopping on) <paramref name="validationData"/> when
    /// given, and starting from <paramref name="initialModel"/>'s weights when given (fine-tuning).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type.</exception>
    /// <exception cref="ArgumentException"><paramref name="initialModel"/> has another shape than these options and data give.</exception>
    /// <exception cref="InvalidOperationException">Bad data (the message names the column and row), or no usable rows.</exception>
    /// <exception cref="OperationCanceledException">The options' cancellation token was cancelled.</exception>
    public SoftTargetCrossEntropyModel Fit(IDataView trainData, IDataView? validationData, SoftTargetCrossEntropyModel? initialModel = null)
    {
        ArgumentNullException.ThrowIfNull(trainData);
        var schema = TrainingSchema.Create(trainData.Schema, _options);
        if (validationData is not null)
            TrainingSchema.Create(validationData.Schema, _options with { SoftTargetColumnName = null, ExampleWeightColumnName = null }, "validation data");

        var backbone = _options.Backbone is { } backboneOptions ? new Backbones.BackboneTop(backboneOptions) : null;
        if (backbone is not null && backbone.InputSize != schema.FeatureCount)
            throw new ArgumentOutOfRangeException(nameof(Options.FeatureColumnName), _options.FeatureColumnName,
                $"Feature column '{_options.FeatureColumnName}' has {schema.FeatureCount} values but the backbone's input '{backbone.InputName}' takes {backbone.InputSize} ({string.Join("×", backbone.InputShape)}).");
        var head = new ClassifierHead(backbone?.CutSize ?? schema.FeatureCount, schema.ClassCount, _options.HiddenLayerSizes, _options.CosineScale, backbone);
        var initial = InitialParameters(head, initialModel);
        var graph = TrainStepGraph.Build(head, initial, CreateOptimizer(), _options.LossTemperature, withWeights: _options.ExampleWeightColumnName is not null);
        int threads = _options.Threads ?? Environment.ProcessorCount;
        var (sessionOptions, _) = ExecutionProviders.Create(_options.Device, threads, _options.Log);
        using (sessionOptions)
        using (var featurizer = backbone is null ? null : new Backbones.BackboneTop.Featurizer(backbone, sessionOptions))
        using (var runner = new TrainStepRunner(graph, initial.ToDictionary(p => p.Name, p => p.Initial), _options.BatchSize, head.InputSize, schema.ClassCount, sessionOptions))
        using (var evaluator = validationData is null ? null : new ValidationEvaluator(validationData, schema, head, sessionOptions, featurizer))
        {
            // With a backbone the frozen part runs once per example, so the data is always cached (the bottleneck cache).
            BatchSource source = _options.CacheData || featurizer is not null
                ? new CachedBatchSource(trainData, schema, featurizer)
                : new StreamingBatchSource(trainData, schema);
            var loop = new TrainingLoop(_options, graph, runner, source, evaluator, Fingerprint(schema, head));
            var (parameters, history) = loop.Run();
            var featureType = trainData.Schema[_options.FeatureColumnName].Type;
            return new SoftTargetCrossEntropyModel(head, parameters, _options.FeatureColumnName, featureType, schema.ClassNames,
                _options.OutputLogits, _options.OutputEmbedding, history);
        }
    }

    /// <summary>The input shape plus <c>Score</c> (float vector) and <c>PredictedLabel</c> (a key like the label).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The label or feature column is missing.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema) => OutputShape.Of(inputSchema, _options);

    private IReadOnlyList<ParameterSpec> InitialParameters(ClassifierHead head, SoftTargetCrossEntropyModel? initialModel)
    {
        var fresh = head.CreateParameters(new Random(_options.Seed));
        if (initialModel is null)
            return fresh;
        var given = initialModel.GetParameters();
        foreach (var spec in fresh)
        {
            if (!given.TryGetValue(spec.Name, out var values) || values.Length != spec.Length)
                throw new ArgumentException(
                    $"The initial model's parameter '{spec.Name}' does not match this head ({string.Join("×", spec.Shape)}); train with the same features, classes, hidden sizes and cosine setting.",
                    nameof(initialModel));
        }
        return fresh.Select(spec => spec with { Initial = given[spec.Name] }).ToArray();
    }

    private OptimizerBlock CreateOptimizer() => _options.Optimizer switch
    {
        SoftTargetOptimizer.Sgd => new SgdBlock(_options.Momentum, _options.Nesterov, _options.WeightDecay),
        SoftTargetOptimizer.AdamW => new AdamBlock(_options.Beta1, _options.Beta2, _options.Epsilon, _options.WeightDecay, decoupledWeightDecay: true),
        _ => new AdamBlock(_options.Beta1, _options.Beta2, _options.Epsilon, _options.WeightDecay, decoupledWeightDecay: false),
    };

    /// <summary>What a checkpoint must match to be resumed: the shapes and every option that changes the arithmetic.</summary>
    private string Fingerprint(TrainingSchema schema, ClassifierHead head) => string.Join("|",
        schema.FeatureCount, schema.ClassCount, string.Join(",", head.HiddenSizes), _options.CosineScale, _options.LossTemperature, _options.Optimizer,
        _options.LearningRate, _options.WeightDecay, _options.Beta1, _options.Beta2, _options.Epsilon, _options.Momentum, _options.Nesterov,
        _options.Schedule, _options.StepDecayEpochs, _options.StepDecayFactor, _options.WarmupSteps, _options.Epochs, _options.BatchSize,
        _options.Shuffle, _options.ShuffleBufferSize, _options.CacheData, _options.Seed, _options.SoftTargetColumnName, _options.ExampleWeightColumnName,
        head.Backbone?.CutName, head.Backbone?.OutputName, _options.Backbone?.TrainableLayers);
}

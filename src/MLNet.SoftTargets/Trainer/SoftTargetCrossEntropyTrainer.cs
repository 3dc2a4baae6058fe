using Microsoft.ML;
using MLNet.SoftTargets.Engine;

namespace MLNet.SoftTargets;

/// <summary>
/// Trains a classifier on feature vectors with the soft-target cross-entropy
/// <c>-(1/Σw) Σ_n w_n Σ_k q_nk log softmax(z_n/T)_k</c>, where q is a soft-target column (e.g. from
/// <c>SmoothLabels</c>, or a teacher's softened scores) or the one-hot of the label. Each training step is one ONNX
/// graph (forward, loss, gradients, optimizer update) run by ONNX Runtime on the CPU or a CUDA GPU.
/// Created by <c>mlContext.MulticlassClassification.Trainers.SoftTargetCrossEntropy(...)</c>.
/// </summary>
/// <remarks>
/// This class is the ML.NET face of the engine (<c>Engine/</c>): it checks the columns, translates the options into
/// the engine's settings (<see cref="OptionsTranslation"/>), hands the engine the data view as examples
/// (<see cref="DataViewExamples"/>) and wraps the trained parameters in a <see cref="SoftTargetCrossEntropyModel"/>.
/// </remarks>
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
        // Lists are copied: the options were checked as they are now, and the caller may change its arrays later.
        _options = options with
        {
            HiddenLayerSizes = [.. options.HiddenLayerSizes],
            Mixup = options.Mixup is { ImageShape: { } shape } mixup ? mixup with { ImageShape = [.. shape] } : options.Mixup,
        };
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
        var hardOptions = _options with { SoftTargetColumnName = null, ExampleWeightColumnName = null };
        var validationSchema = validationData is null ? null : TrainingSchema.Create(validationData.Schema, hardOptions, "validation data");
        if (validationSchema is not null)
            schema.RequireSameProblem(validationSchema, validationData!.Schema);

        long? rowCount = trainData.GetRowCount();
        if (rowCount is null && AutomaticSettings.NeedsRowCount(_options))
            rowCount = CountRows(trainData, _options.CancellationToken);
        var automatic = AutomaticSettings.Resolve(_options, schema, rowCount, validationData is not null);
        if (automatic.Optimizer == SoftTargetOptimizer.Lbfgs && _options.CheckpointDirectory is not null)
            throw new ArgumentOutOfRangeException(nameof(Options.CheckpointDirectory), _options.CheckpointDirectory,
                "A linear head with no Epochs, BatchSize or LearningRate trains by full-batch L-BFGS, which writes no checkpoints; set Optimizer = Adam (or Epochs) to checkpoint.");
        var run = new TrainingRun(OptionsTranslation.Training(_options, schema, automatic));
        var network = run.Network;
        if (run.BackboneInput is { } backboneInput && network.RawInputSize != schema.FeatureCount)
            throw new ArgumentOutOfRangeException(nameof(Options.FeatureColumnName), _options.FeatureColumnName,
                $"Feature column '{_options.FeatureColumnName}' has {schema.FeatureCount} values but the backbone's input '{backboneInput.Name}' takes {network.RawInputSize} ({string.Join("×", backboneInput.Shape)}).");
        var initial = initialModel is null ? null : InitialParameters(network, initialModel);

        var train = new DataViewExamples(trainData, schema, "The training data");
        var validation = validationSchema is null ? null
            : new DataViewExamples(validationData!, validationSchema, $"The validation data (label column '{_options.LabelColumnName}')");
        var (parameters, history) = run.Train(OptionsTranslation.Run(_options), train, validation, initial);
        var featureType = trainData.Schema[_options.FeatureColumnName].Type;
        return new SoftTargetCrossEntropyModel(network, parameters, _options.FeatureColumnName, featureType, schema.ClassNames,
            _options.OutputLogits, _options.OutputEmbedding, history);
    }

    /// <summary>The input shape plus <c>Score</c> (float vector) and <c>PredictedLabel</c> (a key like the label).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The label or feature column is missing.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema) =>
        Persistence.StockSchemaShapes.ClassifierOutput(inputSchema, _options.LabelColumnName, _options.FeatureColumnName, _options.OutputLogits, _options.OutputEmbedding);

    /// <summary>The rows of a view that does not know its count (a text file, a stream): one pass with no column read.</summary>
    private static long CountRows(IDataView data, CancellationToken cancellation)
    {
        long rows = 0;
        using var cursor = data.GetRowCursor([]);
        while (cursor.MoveNext())
        {
            if ((++rows & 0xFFFF) == 0)
                cancellation.ThrowIfCancellationRequested();
        }
        return rows;
    }

    private static IReadOnlyDictionary<string, float[]> InitialParameters(Graphs.Blocks.ClassifierNetwork network, SoftTargetCrossEntropyModel initialModel)
    {
        var given = initialModel.GetParameters();
        foreach (var p in network.Parameters)
        {
            if (!given.TryGetValue(p.Name, out var values) || values.Length != p.Length)
                throw new ArgumentException(
                    $"The initial model's parameter '{p.Name}' does not match this head ({string.Join("×", p.Shape)}); train with the same features, classes, hidden sizes and cosine setting.",
                    nameof(initialModel));
        }
        return network.Parameters.ToDictionary(p => p.Name, p => given[p.Name]);
    }
}

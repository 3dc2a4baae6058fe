using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets.SemiSupervised;

/// <summary>
/// Model Builder's "training" file: how the data views are made, the trainer's options, one training run, and how the
/// chosen model is assembled and saved. The pseudo-labelling rounds that call these are in <see cref="PseudoLabelExperiment"/>.
/// </summary>
public partial class SemiSupervisedModel
{
    /// <summary>A training row: <see cref="ModelInput"/> plus its soft target (a one-hot label or a sharpened pseudo-label).</summary>
    public class TrainingInput
    {
        public float[] Features { get; set; } = [];

        /// <summary>The class name, or empty for a pseudo-labelled row (its label key is then missing; it trains on its soft target).</summary>
        public string Label { get; set; } = "";

        /// <summary>K probabilities, or K NaNs for a row the trainer should skip.</summary>
        public float[] SoftTarget { get; set; } = [];
    }

    /// <summary>What every training run shares.</summary>
    /// <param name="Hidden">Hidden layer widths of the MLP.</param>
    /// <param name="BatchSize">Examples per Adam step.</param>
    /// <param name="LearningRate">Adam's learning rate.</param>
    public sealed record TrainingSettings(IReadOnlyList<int> Hidden, int BatchSize, double LearningRate);

    /// <summary>
    /// The trainer's options: MLP, Adam, CPU, every core, the training set cached in memory.
    /// <paramref name="softTargetColumnName"/> null trains on the labels' one-hot (plain cross-entropy).
    /// </summary>
    public static SoftTargetCrossEntropyTrainer.Options TrainerOptions(TrainingSettings settings, string? softTargetColumnName, int epochs, int seed) => new()
    {
        LabelColumnName = "Label",
        SoftTargetColumnName = softTargetColumnName,
        FeatureColumnName = "Features",
        HiddenLayerSizes = settings.Hidden,
        Optimizer = SoftTargetOptimizer.Adam,
        LearningRate = settings.LearningRate,
        Epochs = epochs,
        BatchSize = settings.BatchSize,
        Seed = seed,
        Device = TrainingDevice.Cpu,
        Threads = Environment.ProcessorCount,
        CacheData = true,
    };

    /// <summary>Model inputs as a data view: <c>Features</c> (<c>Vector&lt;Single, D&gt;</c>) and the text <c>Label</c>.</summary>
    public static IDataView LoadInputs(MLContext mlContext, IEnumerable<ModelInput> rows, int featureCount)
    {
        var definition = SchemaDefinition.Create(typeof(ModelInput));
        definition[nameof(ModelInput.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, featureCount);
        return mlContext.Data.LoadFromEnumerable(rows, definition);
    }

    /// <summary>Training rows as a data view: <c>Features</c>, the text <c>Label</c> and <c>SoftTarget</c> (<c>Vector&lt;Single, K&gt;</c>).</summary>
    public static IDataView LoadTrainingInputs(MLContext mlContext, IEnumerable<TrainingInput> rows, int featureCount, int classCount)
    {
        var definition = SchemaDefinition.Create(typeof(TrainingInput));
        definition[nameof(TrainingInput.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, featureCount);
        definition[nameof(TrainingInput.SoftTarget)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, classCount);
        return mlContext.Data.LoadFromEnumerable(rows, definition);
    }

    /// <summary>
    /// <c>MapValueToKey("Label")</c> with the class names as key data: key order is label order, and a label that is not
    /// a class name (the empty label of an unlabelled row) becomes the missing key.
    /// </summary>
    public static ITransformer FitLabelKey(MLContext mlContext, IReadOnlyList<string> classNames, IDataView any)
    {
        var keyData = mlContext.Data.LoadFromEnumerable(classNames.Select(n => new ClassName { Label = n }));
        return mlContext.Transforms.Conversion.MapValueToKey("Label", "Label", keyData: keyData).Fit(any);
    }

    /// <summary>Trains one model; <paramref name="initialModel"/> continues from its weights (fine-tuning) when given.</summary>
    public static SoftTargetCrossEntropyModel Train(MLContext mlContext, IDataView keyedTrainData, SoftTargetCrossEntropyTrainer.Options options,
        SoftTargetCrossEntropyModel? initialModel = null)
    {
        var trainer = mlContext.MulticlassClassification.Trainers.SoftTargetCrossEntropy(options);
        return trainer.Fit(keyedTrainData, validationData: null, initialModel);
    }

    /// <summary>
    /// Saves <c>MapValueToKey("Label")</c> → <paramref name="model"/> → <c>MapKeyToValue("PredictedLabel")</c> to
    /// <paramref name="path"/> with <paramref name="inputs"/>' schema (<see cref="ModelInput"/>'s columns), so
    /// <see cref="Predict"/> can load it with stock ML.NET.
    /// </summary>
    public static void SaveModel(MLContext mlContext, ITransformer labelKey, SoftTargetCrossEntropyModel model, IDataView inputs, string path)
    {
        var keyed = labelKey.Transform(inputs);
        var keyToValue = mlContext.Transforms.Conversion.MapKeyToValue("PredictedLabel").Fit(model.Transform(keyed));
        var chain = new TransformerChain<ITransformer>(labelKey, model, keyToValue);
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null)
            Directory.CreateDirectory(folder);
        mlContext.Model.Save(chain, inputs.Schema, path);
    }

    private sealed class ClassName
    {
        public string Label { get; set; } = "";
    }
}

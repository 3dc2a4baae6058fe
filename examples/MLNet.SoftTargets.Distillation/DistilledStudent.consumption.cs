using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets.Distillation;

/// <summary>
/// Consumption code in Model Builder's shape: the input and output classes and a static <see cref="Predict"/> that
/// loads the saved student (a zip written by <c>mlContext.Model.Save</c>) once and scores one row. Loading needs only
/// stock ML.NET, <c>Microsoft.ML.OnnxTransformer</c> and a native ONNX Runtime — not MLNet.SoftTargets.
/// </summary>
public static partial class DistilledStudent
{
    /// <summary>One image: its pixels and, for training and evaluation, its class name.</summary>
    public sealed class ModelInput
    {
        /// <summary>
        /// The pixels, row-major, scaled to [0, 1]. No <c>[VectorType]</c> attribute: the size depends on the data set
        /// (784 for Fashion-MNIST, 64 for the digits), so it is set by <see cref="SchemaDefinitionFor"/>.
        /// </summary>
        [ColumnName("Features")]
        public float[] Features { get; set; } = [];

        /// <summary>The class name, e.g. <c>Ankle boot</c>; leave empty when predicting.</summary>
        [ColumnName("Label")]
        public string Label { get; set; } = "";

        /// <summary>The schema of <see cref="ModelInput"/> with <c>Features</c> typed <c>Vector&lt;Single, featureCount&gt;</c>.</summary>
        public static SchemaDefinition SchemaDefinitionFor(int featureCount)
        {
            var definition = SchemaDefinition.Create(typeof(ModelInput));
            definition[nameof(Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, featureCount);
            return definition;
        }
    }

    /// <summary>What the saved pipeline adds to a row.</summary>
    public sealed class ModelOutput
    {
        /// <summary>The label as a key (0 when <see cref="ModelInput.Label"/> was empty or unknown).</summary>
        [ColumnName("Label")]
        public uint Label { get; set; }

        /// <summary>The predicted class name.</summary>
        [ColumnName("PredictedLabel")]
        public string PredictedLabel { get; set; } = "";

        /// <summary>Class probabilities in key order (see <see cref="ClassNames"/>).</summary>
        [ColumnName("Score")]
        public float[] Score { get; set; } = [];
    }

    /// <summary>
    /// Where <see cref="Predict"/> loads the model from; the experiment sets it to the zip it wrote. Set it before the
    /// first call: the prediction engine is created once.
    /// </summary>
    public static string MLNetModelPath { get; set; } = Path.GetFullPath(Path.Combine("distillation-output", "DistilledStudent.zip"));

    /// <summary>Created on first use, from <see cref="MLNetModelPath"/>. Not thread-safe, like every <c>PredictionEngine</c>.</summary>
    public static readonly Lazy<PredictionEngine<ModelInput, ModelOutput>> PredictEngine = new(CreatePredictEngine, isThreadSafe: true);

    /// <summary>Scores one row with the saved student.</summary>
    /// <exception cref="FileNotFoundException">No model at <see cref="MLNetModelPath"/>.</exception>
    public static ModelOutput Predict(ModelInput input) => PredictEngine.Value.Predict(input);

    /// <summary>
    /// The class names in the order of <see cref="ModelOutput.Score"/>: the key values of the output's <c>Label</c>
    /// column. (The <c>Score</c> column has no slot names — ML.NET 5.0.1's <c>ApplyOnnxModel</c> cannot give it any —
    /// so Model Builder's usual "slot names of Score" lookup would come back empty.)
    /// </summary>
    public static string[] ClassNames()
    {
        var names = default(VBuffer<ReadOnlyMemory<char>>);
        PredictEngine.Value.OutputSchema["Label"].GetKeyValues(ref names);
        return names.DenseValues().Select(n => n.ToString()).ToArray();
    }

    /// <summary>The classes with their probabilities, most likely first.</summary>
    public static IEnumerable<KeyValuePair<string, float>> GetSortedScoresWithLabels(ModelOutput result) =>
        ClassNames().Zip(result.Score, (name, p) => new KeyValuePair<string, float>(name, p)).OrderByDescending(c => c.Value);

    private static PredictionEngine<ModelInput, ModelOutput> CreatePredictEngine()
    {
        if (!File.Exists(MLNetModelPath))
            throw new FileNotFoundException($"No trained model at {MLNetModelPath}; run the experiment first.", MLNetModelPath);
        var mlContext = new MLContext();
        ITransformer mlModel = mlContext.Model.Load(MLNetModelPath, out DataViewSchema inputSchema);
        // The feature count comes from the saved input schema, so the same ModelInput serves both data sets.
        if (inputSchema["Features"].Type is not VectorDataViewType { IsKnownSize: true } features)
            throw new InvalidDataException($"{MLNetModelPath}: the model's Features column is {inputSchema["Features"].Type}, expected a fixed-size vector.");
        int featureCount = features.Size;
        return mlContext.Model.CreatePredictionEngine<ModelInput, ModelOutput>(mlModel, inputSchemaDefinition: ModelInput.SchemaDefinitionFor(featureCount));
    }
}

using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets.SemiSupervised;

/// <summary>
/// Model Builder's "consumption" file: the input and output classes and <see cref="Predict"/>, which loads the saved zip
/// with stock ML.NET. Running the saved model needs no MLNet.SoftTargets code — only Microsoft.ML, Microsoft.ML.OnnxTransformer
/// and one native ONNX Runtime package.
/// </summary>
public partial class SemiSupervisedModel
{
    /// <summary>One image: its pixels (scaled to [0, 1]) and, when known, its class name.</summary>
    public class ModelInput
    {
        /// <summary>
        /// The pixels. No [VectorType] size here, so one class serves both data sets: <see cref="Predict"/> takes the
        /// size from the schema saved with the model, and training views get it from a schema definition.
        /// </summary>
        [ColumnName("Features")]
        public float[] Features { get; set; } = [];

        /// <summary>The class name; empty for an unlabelled row (it becomes a missing key, which the trainer and the metrics skip).</summary>
        [ColumnName("Label")]
        public string Label { get; set; } = "";
    }

    /// <summary>What the saved model returns.</summary>
    public class ModelOutput
    {
        /// <summary>The predicted class name.</summary>
        [ColumnName("PredictedLabel")]
        public string PredictedLabel { get; set; } = "";

        /// <summary>The class probabilities, in the order of the class names.</summary>
        [ColumnName("Score")]
        public float[] Score { get; set; } = [];
    }

    /// <summary>The saved model; the default is next to the app (its bin folder). Set it before the first <see cref="Predict"/>.</summary>
    public static string MLNetModelPath { get; set; } = Path.Combine(AppContext.BaseDirectory, "SemiSupervisedModel.zip");

    private static Lazy<PredictionEngine<ModelInput, ModelOutput>> _predictEngine = new(CreatePredictEngine, isThreadSafe: true);

    /// <summary>Predicts the class of <paramref name="input"/> with the model saved at <see cref="MLNetModelPath"/> (loaded once).</summary>
    public static ModelOutput Predict(ModelInput input) => _predictEngine.Value.Predict(input);

    /// <summary>Forgets the loaded model, so the next <see cref="Predict"/> loads <see cref="MLNetModelPath"/> again.</summary>
    public static void Reload() => _predictEngine = new(CreatePredictEngine, isThreadSafe: true);

    private static PredictionEngine<ModelInput, ModelOutput> CreatePredictEngine()
    {
        var mlContext = new MLContext();
        ITransformer mlModel = mlContext.Model.Load(MLNetModelPath, out DataViewSchema inputSchema);
        // The saved input schema knows the feature vector's size (64 or 784), which ModelInput does not.
        return mlContext.Model.CreatePredictionEngine<ModelInput, ModelOutput>(mlModel, inputSchema);
    }
}

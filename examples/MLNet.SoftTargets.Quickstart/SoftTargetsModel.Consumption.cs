using Microsoft.ML;

namespace MLNet.SoftTargets.Quickstart;

/// <summary>
/// Model Builder's "consumption" file: loads the saved zip with stock ML.NET (no MLNet.SoftTargets types are needed
/// to run it, only a native ONNX Runtime package) and predicts one example.
/// </summary>
internal static class SoftTargetsModelConsumption
{
    private static PredictionEngine<ModelInput, ModelOutput>? _engine;

    /// <summary>Loads <paramref name="modelPath"/> once; <paramref name="inputSchema"/> gives the feature vector's size.</summary>
    public static void Load(string modelPath, Microsoft.ML.Data.SchemaDefinition inputSchema)
    {
        var ml = new MLContext();
        var model = ml.Model.Load(modelPath, out _);
        _engine = ml.Model.CreatePredictionEngine<ModelInput, ModelOutput>(model, inputSchemaDefinition: inputSchema);
    }

    /// <summary>Predicts the class of <paramref name="input"/>.</summary>
    public static ModelOutput Predict(ModelInput input) =>
        (_engine ?? throw new InvalidOperationException("Call Load first.")).Predict(input);
}

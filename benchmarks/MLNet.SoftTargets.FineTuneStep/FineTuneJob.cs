namespace MLNet.SoftTargets.FineTuneStep;

/// <summary>
/// The job both contestants run: ResNet18's last residual block (<c>BackboneOptions.TrainableLayers = 2</c>, cut at
/// <c>ReLU379_Output_0</c>, [N, 512, 7, 7]) plus a linear head 512 → 10, on cached cut activations; soft-target
/// cross-entropy, bias-corrected Adam, batch 64, 2 threads.
/// </summary>
public static class FineTuneJob
{
    public const int TrainableLayers = 2;
    public const int Classes = 10;
    public const int Batch = 64;

    // The rest as in the MLP train-step job (TrainStepJob): Adam lr 1e-3, β (0.9, 0.999), ε 1e-8; seed 42; 2 threads; α 0.1.
    public const int Seed = TrainStep.TrainStepJob.Seed;
    public const int Threads = TrainStep.TrainStepJob.Threads;
    public const double LearningRate = TrainStep.TrainStepJob.LearningRate;
    public const double Beta1 = TrainStep.TrainStepJob.Beta1;
    public const double Beta2 = TrainStep.TrainStepJob.Beta2;
    public const double Epsilon = TrainStep.TrainStepJob.Epsilon;
    public const float Alpha = TrainStep.TrainStepJob.Alpha;

    /// <summary>Where the build copies ResNet18.onnx (from Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1).</summary>
    public static string ModelPath => Path.Combine(AppContext.BaseDirectory, "DnnImageModels", "ResNet18.onnx");

    public static string PreprocessPath => Path.Combine(AppContext.BaseDirectory, "DnnImageModels", "ResNetPreprocess.onnx");
}

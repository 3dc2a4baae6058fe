namespace MLNet.SoftTargets.TrainStep;

/// <summary>The job every contestant runs: model B of the benchmark job (benchmarks/MLNet.SoftTargets.Job/README.md), α = 0.1 Uniform.</summary>
public static class TrainStepJob
{
    public const int InputSize = 784;
    public const int Hidden = 256;
    public const int Classes = 10;
    public const int Batch = 256;
    public const int Seed = 42;
    public const int Threads = 2;
    public const int TrainRows = 55_000;

    public const double LearningRate = 1e-3;
    public const double Beta1 = 0.9;
    public const double Beta2 = 0.999;
    public const double Epsilon = 1e-8;

    /// <summary>Label smoothing of the soft targets, <c>Uniform</c> convention: <c>(1-α)·onehot + α/K</c>.</summary>
    public const float Alpha = 0.1f;
}

using System.CommandLine;
using MLNet.SoftTargets.Examples;
using MLNet.SoftTargets.TrainStep;

namespace MLNet.SoftTargets.FineTuneStep;

/// <summary>The command line (see README.md).</summary>
internal sealed record FineTuneOptions(int Rounds, int Steps, int Warmup, double WarmupSeconds, int Rows, int CheckSteps,
    int ProfileSteps, bool RandomData, string DataDirectory, int KernelRounds)
{
    private const string Description =
        "Fine-tuning training-step throughput: ResNet18's last residual block + a linear head (TrainableLayers = 2) trained on " +
        "cached cut activations [N, 512, 7, 7], batch 64, Adam, soft-target cross-entropy, 2 threads; our ONNX-graph step " +
        "against TorchSharp-cpu. A correctness check first (exit code 1 when it fails), then alternating timed rounds, then " +
        "an ONNX Runtime profile of our step by op type.";

    private static readonly RaceOptions Race = RaceOptions.Create(rounds: 7, steps: 5, stepsText: "timed steps per round", warmup: 1, warmupSeconds: 3);

    private static readonly Option<int> RowsOption = CommandLineHost.Int(
        "--rows", "cached rows (Fashion-MNIST train images 0..rows-1 through the frozen part of ResNet18)", FineTuneJob.Batch, 55_000, 640);

    private static readonly Option<int> CheckStepsOption = CommandLineHost.Int(
        "--check-steps", "steps of the correctness check (both contestants from the same weights, same batches)", 1, 100, 3);

    private static readonly Option<int> ProfileStepsOption = CommandLineHost.Int(
        "--profile-steps", "profiled steps of our step (ONNX Runtime profiler; one more, untimed, runs first); 0 skips the profile", 0, 1000, 5);

    private static readonly Option<bool> RandomOption = CommandLineHost.Flag(
        "--random-data", "seeded random non-negative activations instead of running ResNet18 on Fashion-MNIST");

    private static readonly Option<string> DataOption = CommandLineHost.Text(
        "--data", "DIR", "where train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz are (without them: random activations, and the report says so)",
        Datasets.FashionMnist.DefaultDirectory);

    private static readonly Option<int> KernelsOption = CommandLineHost.Int(
        "--kernels", "only the kernels alone: the step's GEMM shapes and the 3×3 conv in ONNX Runtime and libtorch, this many rounds (0: the full benchmark)", 0, 1000, 0);

    public static RootCommand Command() => CommandLineHost.Root(Description,
        [.. Race.All, RowsOption, CheckStepsOption, ProfileStepsOption, RandomOption, DataOption, KernelsOption]);

    public static FineTuneOptions From(ParseResult r) => new(r.GetValue(Race.Rounds), r.GetValue(Race.Steps), r.GetValue(Race.Warmup),
        r.GetValue(Race.WarmupSeconds), r.GetValue(RowsOption), r.GetValue(CheckStepsOption), r.GetValue(ProfileStepsOption),
        r.GetValue(RandomOption), r.GetRequiredValue(DataOption), r.GetValue(KernelsOption));
}

using System.CommandLine;
using MLNet.SoftTargets.Examples;

namespace MLNet.SoftTargets.TrainStep;

/// <summary>The command line: <c>--rounds N --steps N --warmup N --warmup-seconds S --data DIR</c>.</summary>
internal sealed record BenchmarkOptions(int Rounds, int Steps, int Warmup, double WarmupSeconds, string DataDirectory)
{
    private const string Description =
        "Training-step throughput: the same MLP training step (784→256 ReLU→10, soft-target cross-entropy, Adam, batch 256, " +
        "2 threads) run by each contestant, alternating, in several rounds; prints a markdown table.";

    private static readonly Option<int> RoundsOption = CommandLineHost.Int(
        "--rounds", "timed rounds; the table reports the median (use ≥ 5)", 1, int.MaxValue, 9);

    private static readonly Option<int> StepsOption = CommandLineHost.Int(
        "--steps", "timed steps per round (215 = one epoch of 55,000 rows at batch 256)", 1, int.MaxValue, 215);

    private static readonly Option<int> WarmupOption = CommandLineHost.Int(
        "--warmup", "untimed steps before each round", 0, int.MaxValue, 20);

    private static readonly Option<double> WarmupSecondsOption = CommandLineHost.Number(
        "--warmup-seconds", "S", "untimed steps for this long, once per contestant, before the first round",
        "a number of seconds from 0 to 600", s => s >= 0 && s <= 600, 2);

    private static readonly Option<string> DataOption = CommandLineHost.Text(
        "--data", "DIR", "where train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz are (without them: random stand-in data, and the report says so)",
        TrainingData.DefaultFashionMnistDirectory);

    /// <summary>The root command: the harness's description and its options.</summary>
    public static RootCommand Command() =>
        CommandLineHost.Root(Description, [RoundsOption, StepsOption, WarmupOption, WarmupSecondsOption, DataOption]);

    /// <summary>The options of a command line that <see cref="Command"/> parsed without errors.</summary>
    public static BenchmarkOptions From(ParseResult result) => new(result.GetValue(RoundsOption), result.GetValue(StepsOption),
        result.GetValue(WarmupOption), result.GetValue(WarmupSecondsOption), result.GetRequiredValue(DataOption));
}

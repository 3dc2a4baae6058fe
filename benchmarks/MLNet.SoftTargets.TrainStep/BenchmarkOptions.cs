using System.CommandLine;
using MLNet.SoftTargets.Examples;

namespace MLNet.SoftTargets.TrainStep;

/// <summary>The command line: <c>--rounds N --steps N --warmup N --warmup-seconds S --data DIR</c>.</summary>
internal sealed record BenchmarkOptions(int Rounds, int Steps, int Warmup, double WarmupSeconds, string DataDirectory)
{
    private const string Description =
        "Training-step throughput: the same MLP training step (784→256 ReLU→10, soft-target cross-entropy, Adam, batch 256, " +
        "2 threads) run by each contestant, alternating, in several rounds; prints a markdown table.";

    private static readonly RaceOptions Race = RaceOptions.Create(rounds: 9,
        steps: 215, stepsText: "timed steps per round (215 = one epoch of 55,000 rows at batch 256)", warmup: 20, warmupSeconds: 2);

    private static readonly Option<string> DataOption = CommandLineHost.Text(
        "--data", "DIR", "where train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz are (without them: random stand-in data, and the report says so)",
        TrainingData.DefaultFashionMnistDirectory);

    /// <summary>The root command: the harness's description and its options.</summary>
    public static RootCommand Command() =>
        CommandLineHost.Root(Description, [.. Race.All, DataOption]);

    /// <summary>The options of a command line that <see cref="Command"/> parsed without errors.</summary>
    public static BenchmarkOptions From(ParseResult result) => new(result.GetValue(Race.Rounds), result.GetValue(Race.Steps),
        result.GetValue(Race.Warmup), result.GetValue(Race.WarmupSeconds), result.GetRequiredValue(DataOption));
}

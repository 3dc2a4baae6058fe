using System.CommandLine;
using MLNet.SoftTargets.Examples;

namespace MLNet.SoftTargets.CalibrationExperiment;

/// <summary>The command line: <c>[--data DIR | --digits] [--out DIR] [--epochs N] [--quick] [--help]</c>.</summary>
/// <param name="DataDirectory">The --data folder, or null for the default search.</param>
/// <param name="UseDigits">--digits: the embedded digits even when Fashion-MNIST is installed.</param>
/// <param name="OutputDirectory">--out, relative to the working directory.</param>
/// <param name="LongEpochs">--epochs, or null when not given.</param>
/// <param name="Quick">--quick: the smoke test.</param>
public sealed record ExperimentArguments(string? DataDirectory, bool UseDigits, string OutputDirectory, int? LongEpochs, bool Quick)
{
    public const int DefaultLongEpochs = 40;

    private const string Description =
        "Does label smoothing calibrate, shrink feature norms and tighten clusters? Does mixup calibrate? Hard targets vs " +
        "label smoothing (α = 0.1) with SoftTargetCrossEntropy in three regimes, and mixup (α = 0.2) in the two MLP regimes, " +
        "each also temperature-scaled on the held-out rows; prints a markdown table and writes PNGs.";

    private static readonly FashionMnistOrDigits Source = new();

    private static readonly Option<string> OutOption = CommandLineHost.OutputFolder("where the PNGs and results.md go", "calibration-output");

    private static readonly Option<int?> EpochsOption = CommandLineHost.OptionalInt(
        "--epochs", "epochs of the long, over-confident run (wide deep MLP). The MLP and cosine runs keep the benchmark job's " +
        "10 epochs. On the digits (5 steps an epoch) the defaults are x10", 1, 1000, $"{DefaultLongEpochs} ({DefaultLongEpochs * 10} on the digits), 3 with --quick");

    private static readonly Option<bool> QuickOption = CommandLineHost.Flag(
        "--quick", "smoke test: 2 epochs per run (3 for the long run), 5,000 Fashion-MNIST training rows");

    /// <summary>The root command: the experiment's description, its options and their checks.</summary>
    public static RootCommand Command() => CommandLineHost.Root(Description, [Source.Data, Source.Digits, OutOption, EpochsOption, QuickOption],
        Source.Check);

    /// <summary>The arguments of a command line that <see cref="Command"/> parsed without errors.</summary>
    public static ExperimentArguments From(ParseResult result) => new(result.GetValue(Source.Data), result.GetValue(Source.Digits),
        result.GetRequiredValue(OutOption), result.GetValue(EpochsOption), result.GetValue(QuickOption));
}

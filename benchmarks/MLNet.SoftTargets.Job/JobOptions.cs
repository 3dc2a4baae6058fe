using System.CommandLine;
using MLNet.SoftTargets.Examples;

namespace MLNet.SoftTargets.Job;

/// <summary>The command line: <c>--epochs N --only KEY[,KEY] --quick --data DIR</c>.</summary>
internal sealed record JobOptions(int Epochs, IReadOnlyList<string> Only, bool Quick, int TrainRows, string DataDirectory)
{
    public const int QuickEpochs = 2;
    public const int QuickTrainRows = 10_000;

    private const string Description =
        "The benchmark job: Fashion-MNIST, linear and MLP, α ∈ {0, 0.1}, every contestant in one run. Prints a markdown " +
        "report to stdout and progress to stderr; exits with 0 when every run succeeded, 1 when one failed, 2 for a bad command line.";

    private static readonly Option<int?> EpochsOption = CommandLineHost.OptionalInt(
        "--epochs", "epochs of the epoch-based trainers (ML.NET's trainers ignore it)", 1, int.MaxValue,
        $"{new JobSettings().Epochs}, {QuickEpochs} with --quick");

    private static readonly Option<string[]> OnlyOption = CommandLineHost.Items(
        "--only", "KEY[,KEY…]", "contestants to run: torchsharp, lbfgs, sdca, or any word of a contestant's name; comma-separated, repeatable [default: all]");

    private static readonly Option<bool> QuickOption = CommandLineHost.Flag(
        "--quick", $"smoke run: {QuickEpochs} epochs, the first {QuickTrainRows:N0} training rows; not comparable with a full run");

    private static readonly Option<string> DataOption = CommandLineHost.Text(
        "--data", "DIR", "where Fashion-MNIST's four IDX .gz files are", JobData.DefaultDirectory);

    /// <summary>The root command: the job's description and its options.</summary>
    public static RootCommand Command() => CommandLineHost.Root(Description, [EpochsOption, OnlyOption, QuickOption, DataOption]);

    /// <summary>The options of a command line that <see cref="Command"/> parsed without errors.</summary>
    public static JobOptions From(ParseResult result)
    {
        bool quick = result.GetValue(QuickOption);
        return new(result.GetValue(EpochsOption) ?? (quick ? QuickEpochs : new JobSettings().Epochs), result.GetRequiredValue(OnlyOption),
            quick, quick ? QuickTrainRows : JobData.TrainRows, result.GetRequiredValue(DataOption));
    }

    /// <summary>Whether <c>--only</c> selects <paramref name="contestant"/> (no <c>--only</c>: all of them).</summary>
    public bool Selects(IJobContestant contestant) =>
        Only.Count == 0 || Only.Any(o =>
            string.Equals(o, contestant.Key, StringComparison.OrdinalIgnoreCase) ||
            contestant.Name.Contains(o, StringComparison.OrdinalIgnoreCase));
}

using System.CommandLine;
using System.CommandLine.Parsing;
using MLNet.SoftTargets.Examples;

namespace MLNet.SoftTargets.ScoringBenchmark;

/// <summary>The command line: <c>--rows N --rounds N --only WORD[,WORD…] --quick</c>.</summary>
/// <param name="Rows">Rows scored per timed pass (batch and PredictionEngine alike).</param>
/// <param name="Rounds">Timed rounds; the tables report medians.</param>
/// <param name="Only">The <c>--only</c> words, lower case (empty: everything).</param>
/// <param name="Quick">Whether this is a smoke run.</param>
internal sealed record ScoringOptions(int Rows, int Rounds, IReadOnlyList<string> Only, bool Quick)
{
    /// <summary>Rows per pass without <c>--rows</c>.</summary>
    public const int DefaultRows = 20_000;

    /// <summary>Rounds without <c>--rounds</c>.</summary>
    public const int DefaultRounds = 5;

    /// <summary>Rows per pass of a <c>--quick</c> run.</summary>
    public const int QuickRows = 500;

    /// <summary>Rounds of a <c>--quick</c> run.</summary>
    public const int QuickRounds = 2;

    /// <summary>The first lines of <c>--help</c>.</summary>
    private const string Description =
        "Scoring speed of trained models: batch throughput (Transform + cursor over an in-memory cached view) and " +
        "PredictionEngine latency of our model in memory, after LoadWithFastScoring and after a stock Model.Load, against " +
        "ML.NET's L-BFGS (linear heads) and TorchSharp (the MLP), for D ∈ {64, 300, 784}, K ∈ {2, 10, 26}, linear and " +
        "MLP 256. Prints a markdown report to stdout and progress to stderr; exits with 0 when every score check passed, " +
        "1 when one failed, 2 for a bad command line.";

    private static readonly Option<int?> RowsOption = CommandLineHost.OptionalInt(
        "--rows", "rows scored per timed pass", 1, 1_000_000, $"{DefaultRows:N0}, {QuickRows} with --quick");

    private static readonly Option<int?> RoundsOption = CommandLineHost.OptionalInt(
        "--rounds", "timed rounds; the tables report medians (use ≥ 5)", 1, 1_000, $"{DefaultRounds}, {QuickRounds} with --quick");

    private static readonly Option<string[]> OnlyOption = CommandLineHost.Items(
        "--only", "WORD[,WORD…]",
        "what to run: configurations by d64, d300, d784, k2, k10, k26, linear, mlp (words of one dimension add up, " +
        "dimensions narrow each other: d784,mlp is the three MLPs on 784 features) and contestants by " +
        string.Join(", ", ContestantKeys.Optional) + $" (ours in memory, '{ContestantKeys.InMemory}', always runs: it is the " +
        "reference of the score checks); comma-separated, repeatable [default: everything]");

    private static readonly Option<bool> QuickOption = CommandLineHost.Flag(
        "--quick", $"smoke run: {QuickRows} rows, {QuickRounds} rounds (unless --rows or --rounds say otherwise); not comparable with a full run");

    /// <summary>The root command: the benchmark's description, its options and the check of the <c>--only</c> words.</summary>
    public static RootCommand Command() =>
        CommandLineHost.Root(Description, [RowsOption, RoundsOption, OnlyOption, QuickOption], CheckOnly);

    /// <summary>The options of a command line that <see cref="Command"/> parsed without errors.</summary>
    public static ScoringOptions From(ParseResult result)
    {
        bool quick = result.GetValue(QuickOption);
        return new(result.GetValue(RowsOption) ?? (quick ? QuickRows : DefaultRows),
            result.GetValue(RoundsOption) ?? (quick ? QuickRounds : DefaultRounds),
            [.. result.GetRequiredValue(OnlyOption).Select(w => w.ToLowerInvariant())], quick);
    }

    /// <summary>The configurations <c>--only</c> selects: in each dimension the words given, or all when none is.</summary>
    public IReadOnlyList<ScoringConfiguration> Configurations() =>
        [.. ScoringConfiguration.All.Where(c =>
            Selects(ScoringConfiguration.Dimensions[0], c.Words.Features) &&
            Selects(ScoringConfiguration.Dimensions[1], c.Words.Classes) &&
            Selects(ScoringConfiguration.Dimensions[2], c.Words.Head))];

    /// <summary>Whether <c>--only</c> selects the contestant <paramref name="key"/> (ours in memory always).</summary>
    public bool Runs(string key) =>
        key == ContestantKeys.InMemory || !Only.Any(w => w == ContestantKeys.InMemory || ContestantKeys.Optional.Contains(w)) || Only.Contains(key);

    /// <summary>Whether <c>--only</c> keeps <paramref name="word"/> of <paramref name="dimension"/>: yes when it names none of that dimension's words.</summary>
    private bool Selects(IReadOnlySet<string> dimension, string word) => !Only.Any(dimension.Contains) || Only.Contains(word);

    /// <summary>Every <c>--only</c> word must be a configuration or contestant word (else exit code 2).</summary>
    private static void CheckOnly(CommandResult result)
    {
        var known = ScoringConfiguration.Dimensions.SelectMany(d => d).Concat(ContestantKeys.Optional).Append(ContestantKeys.InMemory).ToHashSet();
        foreach (string word in result.GetValue(OnlyOption) ?? [])
        {
            if (!known.Contains(word.ToLowerInvariant()))
                result.AddError($"--only: '{word}' is not one of {string.Join(", ", known)}.");
        }
    }
}

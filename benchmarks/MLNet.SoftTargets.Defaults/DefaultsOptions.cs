using System.CommandLine;
using System.CommandLine.Parsing;
using MLNet.SoftTargets.Datasets;
using MLNet.SoftTargets.Examples;

namespace MLNet.SoftTargets.DefaultsBenchmark;

/// <summary>The command line: <c>--datasets KEY[,KEY…] --data DIR --sklearn-data DIR --seed N</c>.</summary>
/// <param name="Datasets">The dataset keys to run (all of <see cref="BenchmarkDatasets.Keys"/> without <c>--datasets</c>).</param>
/// <param name="FashionDirectory">Where Fashion-MNIST's four IDX files are.</param>
/// <param name="SklearnDirectory">Where <c>get-sklearn-data.sh</c> put scikit-learn's CSVs.</param>
/// <param name="Seed">The seed of the 70/30 splits and of every <c>MLContext</c>.</param>
internal sealed record DefaultsOptions(IReadOnlyList<string> Datasets, string FashionDirectory, string SklearnDirectory, int Seed)
{
    /// <summary>The seed without <c>--seed</c>.</summary>
    public const int DefaultSeed = 42;

    /// <summary>The first lines of <c>--help</c>.</summary>
    private const string Description =
        "Our trainer with default arguments (SoftTargetCrossEntropy(), on SmoothLabels(0.1) and on hard labels) against " +
        "ML.NET's LbfgsMaximumEntropy() and SdcaMaximumEntropy() with theirs, after the same MapValueToKey and " +
        "NormalizeMeanVariance: test accuracy and training time on every dataset, then the targets. Prints a markdown " +
        "report to stdout and progress to stderr; exits with 0 when every run succeeded (met or missed targets alike), " +
        "1 when data is missing or a run failed, 2 for a bad command line.";

    private static readonly Option<string[]> DatasetsOption = CommandLineHost.Items(
        "--datasets", "KEY[,KEY…]", $"datasets to run: {string.Join(", ", BenchmarkDatasets.Keys)}; comma-separated, repeatable [default: all]");

    private static readonly Option<string?> FashionOption = CommandLineHost.DataFolder(
        $"folder with Fashion-MNIST's four IDX .gz files [default: {FashionMnist.DefaultDirectory}]", fashionMnistFiles: true);

    private static readonly Option<string> SklearnOption = CommandLineHost.Text(
        "--sklearn-data", "DIR", "folder that get-sklearn-data.sh filled with iris.csv, wine_data.csv and breast_cancer.csv",
        BenchmarkDatasets.DefaultSklearnDirectory);

    private static readonly Option<int> SeedOption = CommandLineHost.Int(
        "--seed", "seed of the 70/30 splits and of every MLContext", 0, int.MaxValue, DefaultSeed);

    /// <summary>The root command: the benchmark's description, its options and the check of the dataset keys.</summary>
    public static RootCommand Command() =>
        CommandLineHost.Root(Description, [DatasetsOption, FashionOption, SklearnOption, SeedOption], CheckDatasets);

    /// <summary>The options of a command line that <see cref="Command"/> parsed without errors.</summary>
    public static DefaultsOptions From(ParseResult result)
    {
        var keys = result.GetRequiredValue(DatasetsOption).Select(k => k.ToLowerInvariant()).ToHashSet();
        return new([.. BenchmarkDatasets.Keys.Where(k => keys.Count == 0 || keys.Contains(k))],
            result.GetValue(FashionOption) ?? FashionMnist.DefaultDirectory, result.GetRequiredValue(SklearnOption), result.GetValue(SeedOption));
    }

    /// <summary>Every <c>--datasets</c> key must be one of <see cref="BenchmarkDatasets.Keys"/> (else exit code 2).</summary>
    private static void CheckDatasets(CommandResult result)
    {
        var unknown = (result.GetValue(DatasetsOption) ?? []).Where(k => !BenchmarkDatasets.Keys.Contains(k.ToLowerInvariant())).ToList();
        if (unknown.Count > 0)
            result.AddError($"--datasets: unknown {string.Join(", ", unknown.Select(k => $"'{k}'"))}; the keys are {string.Join(", ", BenchmarkDatasets.Keys)}.");
    }
}

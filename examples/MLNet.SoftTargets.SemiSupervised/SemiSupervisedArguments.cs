using System.CommandLine;
using MLNet.SoftTargets.Datasets;
using MLNet.SoftTargets.Examples;

namespace MLNet.SoftTargets.SemiSupervised;

/// <summary>The command line. Every value is checked here; a bad one gives a message naming it (exit code 2).</summary>
/// <param name="FashionDirectory">The Fashion-MNIST folder (--data, or the installed one with --fashion), or null for the embedded digits.</param>
/// <param name="Rounds">--rounds: pseudo-labelling rounds after the baseline.</param>
/// <param name="LabelledPerClass">--labelled-per-class.</param>
/// <param name="Epochs">--epochs, or null for the data set's default.</param>
/// <param name="BaselineEpochs">--baseline-epochs, or null for the same number of steps as a round.</param>
/// <param name="BatchSize">--batch.</param>
/// <param name="Temperature">--temperature of the sharpening.</param>
/// <param name="Threshold">--threshold (0: every unlabelled row).</param>
/// <param name="FineTune">--fine-tune.</param>
/// <param name="MaxUnlabelled">--unlabelled, or null for all of them.</param>
/// <param name="Seeds">--seeds, or null for the data set's default.</param>
/// <param name="ModelPath">--model, or null for the default path.</param>
public sealed record SemiSupervisedArguments(string? FashionDirectory, int Rounds, int LabelledPerClass, int? Epochs, int? BaselineEpochs,
    int BatchSize, double Temperature, double Threshold, bool FineTune, int? MaxUnlabelled, IReadOnlyList<int>? Seeds, string? ModelPath)
{
    public const int DefaultRounds = 5;
    public const int DefaultLabelledPerClass = 10;
    public const int DefaultBatchSize = 32;
    public const double DefaultTemperature = 0.5;

    private const string Description =
        "Semi-supervised learning with MixMatch-style pseudo-labels: a labelled-only baseline, then rounds of \"score the " +
        "unlabelled rows, sharpen with SharpenLabels(T), retrain on labelled + pseudo-labelled rows\", with SoftTargetCrossEntropy; " +
        "saves the model chosen on the validation split and predicts through the Model Builder-style consumption code.";

    private static readonly Option<bool> FashionOption = CommandLineHost.Flag(
        "--fashion", $"Fashion-MNIST from {FashionMnist.DefaultDirectory} (apt-get install dataset-fashion-mnist)");

    private static readonly Option<string?> DataOption = CommandLineHost.DataFolder(
        "Fashion-MNIST from a folder with its four IDX .gz files (without --data or --fashion: the embedded UCI digits, 8x8, 1,797 rows)",
        fashionMnistFiles: true);

    private static readonly Option<int> RoundsOption = CommandLineHost.Int(
        "--rounds", "pseudo-labelling rounds after the labelled-only baseline (0 = baseline only)", 0, 100, DefaultRounds);

    private static readonly Option<int> LabelledPerClassOption = CommandLineHost.Int(
        "--labelled-per-class", "training rows per class that keep their labels", 1, 10_000, DefaultLabelledPerClass);

    private static readonly Option<int?> EpochsOption = CommandLineHost.OptionalInt(
        "--epochs", "epochs of each round's training run", 1, 10_000, "30 on digits, 3 on Fashion-MNIST");

    private static readonly Option<int?> BaselineEpochsOption = CommandLineHost.OptionalInt(
        "--baseline-epochs", "epochs of the labelled-only baseline", 1, 100_000, "as many Adam steps as a round takes");

    private static readonly Option<int> BatchOption = CommandLineHost.Int(
        "--batch", "examples per Adam step", 1, 65_536, DefaultBatchSize);

    private static readonly Option<double> TemperatureOption = CommandLineHost.Number(
        "--temperature", "T", "sharpening temperature of the pseudo-labels (MixMatch uses 0.5)", "a finite number > 0",
        t => t > 0 && !double.IsInfinity(t), DefaultTemperature);

    private static readonly Option<double> ThresholdOption = CommandLineHost.Number(
        "--threshold", "P", "leave out unlabelled rows whose top-1 confidence is below P (0: use all)", "a number in [0, 1)",
        p => p >= 0 && p < 1, 0);

    private static readonly Option<bool> FineTuneOption = CommandLineHost.Flag(
        "--fine-tune", "continue from the previous round's weights instead of training a fresh model");

    private static readonly Option<int?> UnlabelledOption = CommandLineHost.OptionalInt(
        "--unlabelled", "use at most N unlabelled rows", 1, 10_000_000, "the rest of the training split");

    private static readonly Option<IReadOnlyList<int>?> SeedsOption = CommandLineHost.Value<IReadOnlyList<int>?>(
        "--seeds", "S1,S2,...", "run the whole experiment once per seed (the seed picks the labelled rows, the initialisation " +
        "and the shuffling; the verdict weighs the change against its spread over seeds); the first seed's model is saved " +
        "[default: 42,43,44,45,46 on digits, 42,43,44 on Fashion-MNIST]", ParseSeeds);

    private static readonly Option<string?> ModelOption = CommandLineHost.OptionalText(
        "--model", "PATH", "where the saved model goes", "SemiSupervisedModel.zip next to the app");

    /// <summary>The root command: the experiment's description, its options and their checks.</summary>
    public static RootCommand Command() => CommandLineHost.Root(Description,
        [FashionOption, DataOption, RoundsOption, LabelledPerClassOption, EpochsOption, BaselineEpochsOption, BatchOption,
         TemperatureOption, ThresholdOption, FineTuneOption, UnlabelledOption, SeedsOption, ModelOption],
        CommandLineHost.Exclusive("--fashion and --data exclude each other (--data already means Fashion-MNIST from that folder).",
            FashionOption, DataOption),
        command =>
        {
            if (CommandLineHost.Given(command, FashionOption) && FashionMnist.TryFindDefault() is null)
                command.AddError($"--fashion: Fashion-MNIST is not installed in {FashionMnist.DefaultDirectory} (apt-get install dataset-fashion-mnist, or --data DIR).");
        });

    /// <summary>The arguments of a command line that <see cref="Command"/> parsed without errors.</summary>
    public static SemiSupervisedArguments From(ParseResult result) => new(
        result.GetValue(DataOption) ?? (result.GetValue(FashionOption) ? FashionMnist.TryFindDefault() : null),
        result.GetValue(RoundsOption), result.GetValue(LabelledPerClassOption), result.GetValue(EpochsOption), result.GetValue(BaselineEpochsOption),
        result.GetValue(BatchOption), result.GetValue(TemperatureOption), result.GetValue(ThresholdOption), result.GetValue(FineTuneOption),
        result.GetValue(UnlabelledOption), result.GetValue(SeedsOption), result.GetValue(ModelOption));

    /// <summary>Comma-separated seeds, whole numbers ≥ 0, none repeated.</summary>
    private static (IReadOnlyList<int>? Value, string? Error) ParseSeeds(string text)
    {
        var seeds = new List<int>();
        foreach (string part in text.Split(','))
        {
            if (!CommandLineHost.TryWholeNumber(part.Trim(), 0, int.MaxValue, out int seed))
                return (null, $"'{part}' is not a whole number ≥ 0 (give e.g. --seeds 42,43,44).");
            seeds.Add(seed);
        }
        return seeds.Distinct().Count() == seeds.Count ? (seeds, null) : (null, $"'{text}' repeats a seed.");
    }
}

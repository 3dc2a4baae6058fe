using System.CommandLine;
using MLNet.SoftTargets.Datasets;
using MLNet.SoftTargets.Examples;

namespace MLNet.SoftTargets.FineTuning;

/// <summary>The command line: <c>[--data DIR] [--out DIR] [--train N] [--epochs N] [--quick] [--help]</c>.</summary>
/// <param name="DataDirectory">The --data folder, or null for the installed one.</param>
/// <param name="OutputDirectory">--out, relative to the working directory.</param>
/// <param name="TrainRows">--train: the first N training images.</param>
/// <param name="Epochs">--epochs of every run.</param>
/// <param name="Quick">--quick: the smoke test.</param>
public sealed record FineTuningArguments(string? DataDirectory, string OutputDirectory, int TrainRows, int Epochs, bool Quick)
{
    public const int DefaultTrainRows = 2_000;
    public const int DefaultEpochs = 5;

    private const string Description =
        "Fine-tunes the pretrained ResNet18 (ONNX) on a Fashion-MNIST subset with SoftTargetCrossEntropy: a linear head " +
        "with the backbone frozen vs the last residual block unfrozen, each with hard targets and with label smoothing " +
        "(α = 0.1); prints a markdown table, saves the unfrozen LS model, reloads it and scores raw test images.";

    private static readonly Option<string?> DataOption = CommandLineHost.DataFolder(
        $"folder with Fashion-MNIST's four IDX .gz files [default: {FashionMnist.DefaultDirectory}, apt-get install dataset-fashion-mnist]");

    private static readonly Option<string> OutOption = CommandLineHost.OutputFolder("where results.md and the saved model go", "finetuning-output");

    private static readonly Option<int> TrainOption = CommandLineHost.Int(
        "--train", "training rows, the first N training images", 1, 55_000, DefaultTrainRows);

    private static readonly Option<int> EpochsOption = CommandLineHost.Int("--epochs", "epochs of every run", 1, 100, DefaultEpochs);

    private static readonly Option<bool> QuickOption = CommandLineHost.Flag(
        "--quick", "smoke test: 200 training, 100 held-out and 200 test rows, 1 epoch");

    /// <summary>The root command: the app's description, its options and their checks.</summary>
    public static RootCommand Command() => CommandLineHost.Root(Description, [DataOption, OutOption, TrainOption, EpochsOption, QuickOption],
        CommandLineHost.Exclusive("--quick fixes the rows and epochs; leave out --train and --epochs.", QuickOption, TrainOption, EpochsOption));

    /// <summary>The arguments of a command line that <see cref="Command"/> parsed without errors.</summary>
    public static FineTuningArguments From(ParseResult result) => new(result.GetValue(DataOption), result.GetRequiredValue(OutOption),
        result.GetValue(TrainOption), result.GetValue(EpochsOption), result.GetValue(QuickOption));
}

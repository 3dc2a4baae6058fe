using System.CommandLine;
using System.CommandLine.Parsing;
using MLNet.SoftTargets.Datasets;
using MLNet.SoftTargets.Examples;

namespace MLNet.SoftTargets.Quickstart;

/// <summary>Command-line options of the quickstart.</summary>
/// <param name="DataDirectory">The Fashion-MNIST folder, or null for the embedded digits.</param>
/// <param name="Epochs">--epochs, or null for the data set's default.</param>
/// <param name="PredictRows">--rows: test rows to predict with the reloaded model.</param>
/// <param name="OutputDirectory">--out, relative to the working directory.</param>
internal sealed record QuickstartOptions(string? DataDirectory, int? Epochs, int PredictRows, string OutputDirectory)
{
    private const string Description =
        "Trains hard, smoothed (SmoothLabels 0.1) and smoothed + temperature-calibrated models, prints accuracy, NLL, " +
        "ECE, feature norm and training time, draws their reliability diagrams, saves the calibrated model, reloads it " +
        "with stock ML.NET and predicts a few test rows.";

    private static readonly Option<string?> DatasetOption = CommandLineHost.Value<string?>(
        "--dataset", "digits|fashion", $"the embedded UCI digits, or Fashion-MNIST [default: Fashion-MNIST when {FashionMnist.DefaultDirectory} " +
        "holds it, else the digits]",
        text => text is "digits" or "fashion" ? (text, null) : (null, $"'{text}' is not 'digits' or 'fashion'."));

    private static readonly Option<string?> DataOption = CommandLineHost.DataFolder(
        "Fashion-MNIST IDX files in this folder (implies --dataset fashion)", fashionMnistFiles: true);

    private static readonly Option<int?> EpochsOption = CommandLineHost.OptionalInt(
        "--epochs", "training epochs", 1, 10_000, "30 on the digits, 10 on Fashion-MNIST");

    private static readonly Option<int> RowsOption = CommandLineHost.Int(
        "--rows", "test rows to predict with the reloaded model", 1, 10_000, 5);

    private static readonly Option<string> OutOption = CommandLineHost.OutputFolder("where the PNG and the model zip go", "quickstart-output");

    /// <summary>The root command: the quickstart's description, its options and their checks.</summary>
    public static RootCommand Command() => CommandLineHost.Root(Description, [DatasetOption, DataOption, EpochsOption, RowsOption, OutOption],
        command =>
        {
            // The last --dataset value counts (the value itself is checked on its own; reading it here would throw when it
            // is missing). With --data the folder is checked on its own, and it wins whatever the order.
            if (command.GetResult(DatasetOption)?.Tokens is [.., { Value: "fashion" }] && !CommandLineHost.Given(command, DataOption)
                && FashionMnist.TryFindDefault() is null)
                command.AddError($"Fashion-MNIST is not at {FashionMnist.DefaultDirectory} (apt-get install dataset-fashion-mnist), and no --data was given.");
        });

    /// <summary>The options of a command line that <see cref="Command"/> parsed without errors.</summary>
    public static QuickstartOptions From(ParseResult result)
    {
        // --data means --dataset fashion; when both are given, the later one decides.
        var tokens = result.Tokens.ToList();
        int Last(Option option) => tokens.FindLastIndex(t => t.Type == TokenType.Option && t.Value == option.Name);
        string? dataset = Last(DataOption) > Last(DatasetOption) ? "fashion" : result.GetValue(DatasetOption);
        return new(dataset == "digits" ? null : result.GetValue(DataOption) ?? FashionMnist.TryFindDefault(),
            result.GetValue(EpochsOption), result.GetValue(RowsOption), result.GetRequiredValue(OutOption));
    }
}

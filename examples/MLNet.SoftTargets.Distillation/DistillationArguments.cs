using System.CommandLine;
using MLNet.SoftTargets.Examples;

namespace MLNet.SoftTargets.Distillation;

/// <summary>The command line. Every error names the argument and what it accepts; a bad command line exits with 2.</summary>
/// <param name="DataDirectory">The --data folder, or null for the default search.</param>
/// <param name="UseDigits">--digits: the embedded digits even when Fashion-MNIST is installed.</param>
/// <param name="OutputDirectory">--out, relative to the working directory.</param>
/// <param name="Epochs">--epochs, or null when not given.</param>
/// <param name="Seeds">--seeds, or null when not given.</param>
/// <param name="Temperature">--temperature.</param>
/// <param name="Sweep">--sweep, or null when not given (empty for 'none').</param>
/// <param name="Quick">--quick: the smoke test.</param>
public sealed record DistillationArguments(
    string? DataDirectory, bool UseDigits, string OutputDirectory, int? Epochs, int? Seeds, double Temperature, IReadOnlyList<double>? Sweep, bool Quick)
{
    public const int DefaultSeeds = 1;
    public const double DefaultTemperature = 4;
    public static readonly double[] DefaultSweep = [1, 2, 4, 8];

    private const string Temperatures = "a number from 0.1 to 100";

    private const string Description =
        "Does a teacher trained with label smoothing make a worse teacher for distillation (Müller, Kornblith & Hinton " +
        "2019)? Hard-label and label-smoothed MLP teachers, students distilled from each through SharpenLabels(T), the " +
        "MLP student with each teacher in the loop (Options.Teacher, λ = 0.9 and 1), the same students on hard labels, a " +
        "temperature sweep; then the saved student predicts through DistilledStudent.Predict.";

    private static readonly FashionMnistOrDigits Source = new();

    private static readonly Option<int?> EpochsOption = CommandLineHost.OptionalInt(
        "--epochs", "epochs of every model, teachers and students (the digits' 1,077 training rows make only 5 steps an epoch)",
        1, 1000, "10 on Fashion-MNIST, 100 on the digits, 2 with --quick");

    private static readonly Option<int?> SeedsOption = CommandLineHost.OptionalInt(
        "--seeds", "repeat everything with trainer seeds 42, 43, ... (the README's run uses 5); the data split stays fixed", 1, 20,
        $"{DefaultSeeds}");

    private static readonly Option<double> TemperatureOption = CommandLineHost.Number(
        "--temperature", "T", "distillation temperature of the main table: SharpenLabels(T) on the teacher's Score and the " +
        "student's LossTemperature, and the in-the-loop teacher's Temperature (Hinton et al. 2015 use 4)", Temperatures, IsTemperature, DefaultTemperature);

    private static readonly Option<IReadOnlyList<double>?> SweepOption = CommandLineHost.Value<IReadOnlyList<double>?>(
        "--sweep", "LIST", $"temperatures for the MLP-student sweep, comma-separated, or 'none' [default: {string.Join(',', DefaultSweep)}; 1,4 with --quick]",
        ParseSweep);

    private static readonly Option<string> OutOption = CommandLineHost.OutputFolder(
        "where the models, results.md and the PNG go", "distillation-output");

    private static readonly Option<bool> QuickOption = CommandLineHost.Flag(
        "--quick", "smoke test: 2 epochs, 1 seed, sweep 1,4, and 5,000 Fashion-MNIST training rows");

    /// <summary>How many trainer seeds to run.</summary>
    public int EffectiveSeeds => Seeds ?? (Quick ? 1 : DefaultSeeds);

    /// <summary>The sweep's temperatures (empty: no sweep).</summary>
    public IReadOnlyList<double> EffectiveSweep => Sweep ?? (Quick ? [1, 4] : DefaultSweep);

    /// <summary>The root command: the experiment's description, its options and their checks.</summary>
    public static RootCommand Command() => CommandLineHost.Root(Description,
        [Source.Data, Source.Digits, EpochsOption, SeedsOption, TemperatureOption, SweepOption, OutOption, QuickOption],
        Source.Check);

    /// <summary>The arguments of a command line that <see cref="Command"/> parsed without errors.</summary>
    public static DistillationArguments From(ParseResult result) => new(result.GetValue(Source.Data), result.GetValue(Source.Digits),
        result.GetRequiredValue(OutOption), result.GetValue(EpochsOption), result.GetValue(SeedsOption), result.GetValue(TemperatureOption),
        result.GetValue(SweepOption), result.GetValue(QuickOption));

    /// <summary>'none' (no sweep) or comma-separated temperatures, each in range; repeats are dropped.</summary>
    private static (IReadOnlyList<double>? Value, string? Error) ParseSweep(string list)
    {
        if (list == "none")
            return ([], null);
        var sweep = new List<double>();
        foreach (string item in list.Split(','))
        {
            if (!CommandLineHost.TryNumber(item.Trim(), IsTemperature, out double value))
                return (null, $"'{item}' is not {Temperatures} (give e.g. 1,2,4,8 or 'none').");
            if (!sweep.Contains(value))
                sweep.Add(value);
        }
        return (sweep, null);
    }

    private static bool IsTemperature(double value) => value >= 0.1 && value <= 100;
}

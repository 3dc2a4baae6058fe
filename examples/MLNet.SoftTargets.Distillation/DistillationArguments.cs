using System.Globalization;
using static MLNet.SoftTargets.Examples.ArgumentReader;

namespace MLNet.SoftTargets.Distillation;

/// <summary>The command line. Every error names the argument and what it accepts; <see cref="Program"/> exits with 2.</summary>
public sealed record DistillationArguments
{
    public const int DefaultSeeds = 1;
    public const double DefaultTemperature = 4;
    public static readonly double[] DefaultSweep = [1, 2, 4, 8];

    public const string Usage =
        "usage: dotnet run -c Release --project examples/MLNet.SoftTargets.Distillation [-- [--data DIR | --digits] [--epochs N] [--seeds N] " +
        "[--temperature T] [--sweep T1,T2,..|none] [--out DIR] [--quick]]";

    public const string Help =
        """
          --data DIR        folder with Fashion-MNIST's four IDX files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,
                            t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz). Default: /usr/share/datasets/fashion-mnist
                            when present (apt-get install dataset-fashion-mnist), else the embedded UCI digits.
          --digits          use the embedded UCI digits (8x8, 1,797 images) even when Fashion-MNIST is installed
          --epochs N        epochs of every model, teachers and students (default 10 on Fashion-MNIST, 100 on the
                            digits, whose 1,077 training rows make 5 steps an epoch)
          --seeds N         repeat everything with trainer seeds 42, 43, ... (default 1; the README's run uses 5);
                            the data split stays fixed
          --temperature T   distillation temperature of the main table: SharpenLabels(T) on the teacher's Score and
                            the student's LossTemperature (default 4, as in Hinton et al. 2015)
          --sweep LIST      temperatures for the MLP-student sweep, comma-separated (default 1,2,4,8), or 'none'
          --out DIR         where the models, results.md and the PNG go (default ./distillation-output)
          --quick           smoke test: 2 epochs, 1 seed, sweep 1,4, and 5,000 Fashion-MNIST training rows
          --help            this text
        """;

    /// <summary>The --data folder, or null for the default search.</summary>
    public string? DataDirectory { get; init; }

    public bool UseDigits { get; init; }

    public string OutputDirectory { get; init; } = "distillation-output";

    /// <summary>--epochs, or null when not given.</summary>
    public int? Epochs { get; init; }

    /// <summary>--seeds, or null when not given.</summary>
    public int? Seeds { get; init; }

    public double Temperature { get; init; } = DefaultTemperature;

    /// <summary>--sweep, or null when not given (empty for 'none').</summary>
    public IReadOnlyList<double>? Sweep { get; init; }

    public bool Quick { get; init; }

    public bool ShowHelp { get; init; }

    public int EffectiveSeeds => Seeds ?? (Quick ? 1 : DefaultSeeds);

    public IReadOnlyList<double> EffectiveSweep => Sweep ?? (Quick ? [1, 4] : DefaultSweep);

    /// <summary>Parses <paramref name="args"/>; false with a message naming the bad argument.</summary>
    public static bool TryParse(string[] args, out DistillationArguments parsed, out string error)
    {
        parsed = new DistillationArguments();
        error = "";
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            switch (arg)
            {
                case "--help" or "-h":
                    parsed = parsed with { ShowHelp = true };
                    break;
                case "--quick":
                    parsed = parsed with { Quick = true };
                    break;
                case "--digits":
                    parsed = parsed with { UseDigits = true };
                    break;
                case "--data":
                    if (!TryValue(args, ref i, out string data, out error))
                        return false;
                    if (!Directory.Exists(data))
                    {
                        error = $"--data: folder '{data}' does not exist.";
                        return false;
                    }
                    parsed = parsed with { DataDirectory = data };
                    break;
                case "--out":
                    if (!TryValue(args, ref i, out string output, out error))
                        return false;
                    parsed = parsed with { OutputDirectory = output };
                    break;
                case "--epochs":
                    if (!TryInt(args, ref i, 1, 1000, out int epochs, out error))
                        return false;
                    parsed = parsed with { Epochs = epochs };
                    break;
                case "--seeds":
                    if (!TryInt(args, ref i, 1, 20, out int seeds, out error))
                        return false;
                    parsed = parsed with { Seeds = seeds };
                    break;
                case "--temperature":
                    if (!TryValue(args, ref i, out string t, out error))
                        return false;
                    if (!TryTemperature(t, out double temperature))
                    {
                        error = $"--temperature: '{t}' is not a number from 0.1 to 100.";
                        return false;
                    }
                    parsed = parsed with { Temperature = temperature };
                    break;
                case "--sweep":
                    if (!TryValue(args, ref i, out string list, out error))
                        return false;
                    if (list == "none")
                    {
                        parsed = parsed with { Sweep = [] };
                        break;
                    }
                    var sweep = new List<double>();
                    foreach (string item in list.Split(','))
                    {
                        if (!TryTemperature(item.Trim(), out double value))
                        {
                            error = $"--sweep: '{item}' is not a number from 0.1 to 100 (give e.g. 1,2,4,8 or 'none').";
                            return false;
                        }
                        if (!sweep.Contains(value))
                            sweep.Add(value);
                    }
                    parsed = parsed with { Sweep = sweep };
                    break;
                default:
                    error = $"unknown argument '{arg}'.";
                    return false;
            }
        }
        if (parsed.UseDigits && parsed.DataDirectory is not null)
        {
            error = "--data and --digits exclude each other.";
            return false;
        }
        return true;
    }

    private static bool TryTemperature(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && value >= 0.1 && value <= 100;
}

using System.Globalization;
using static MLNet.SoftTargets.Examples.ArgumentReader;

namespace MLNet.SoftTargets.CalibrationExperiment;

/// <summary>The command line: <c>[--data DIR | --digits] [--out DIR] [--epochs N] [--quick] [--help]</c>.</summary>
public sealed record ExperimentArguments
{
    public const int DefaultLongEpochs = 40;

    public const string Usage =
        "usage: dotnet run -c Release --project examples/MLNet.SoftTargets.CalibrationExperiment [-- [--data DIR | --digits] [--out DIR] [--epochs N] [--quick]]";

    public const string Help =
        """
          --data DIR   folder with Fashion-MNIST's four IDX files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,
                       t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz). Default: /usr/share/datasets/fashion-mnist
                       when present (apt-get install dataset-fashion-mnist), else the embedded UCI digits.
          --digits     use the embedded UCI digits (8x8, 1,797 rows) even when Fashion-MNIST is installed
          --out DIR    where the PNGs and results.md go (default ./calibration-output)
          --epochs N   epochs of the long, over-confident run (wide deep MLP; default 40). The MLP and cosine runs
                       keep the benchmark job's 10 epochs. On the digits (5 steps an epoch) the defaults are x10.
          --quick      smoke test: 2 epochs per run (3 for the long run), 5,000 Fashion-MNIST training rows
          --help       this text
        """;

    /// <summary>The --data folder, or null for the default search.</summary>
    public string? DataDirectory { get; init; }

    public bool UseDigits { get; init; }

    public string OutputDirectory { get; init; } = "calibration-output";

    /// <summary>--epochs, or null when not given.</summary>
    public int? LongEpochs { get; init; }

    public bool Quick { get; init; }

    public bool ShowHelp { get; init; }

    /// <summary>Parses <paramref name="args"/>; false with a message naming the bad argument.</summary>
    public static bool TryParse(string[] args, out ExperimentArguments parsed, out string error)
    {
        parsed = new ExperimentArguments();
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
                    if (!TryValue(args, ref i, out string text, out error))
                        return false;
                    if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int epochs) || epochs < 1 || epochs > 1000)
                    {
                        error = $"--epochs: '{text}' is not a whole number from 1 to 1000.";
                        return false;
                    }
                    parsed = parsed with { LongEpochs = epochs };
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
}

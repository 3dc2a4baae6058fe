using static MLNet.SoftTargets.Examples.ArgumentReader;

namespace MLNet.SoftTargets.FineTuning;

/// <summary>The command line: <c>[--data DIR] [--out DIR] [--train N] [--epochs N] [--quick] [--help]</c>.</summary>
public sealed record FineTuningArguments
{
    public const int DefaultTrainRows = 2_000;
    public const int DefaultEpochs = 5;

    public const string Usage =
        "usage: dotnet run -c Release --project examples/MLNet.SoftTargets.FineTuning [-- [--data DIR] [--out DIR] [--train N] [--epochs N] [--quick]]";

    public const string Help =
        """
          --data DIR   folder with Fashion-MNIST's four IDX .gz files (default /usr/share/datasets/fashion-mnist,
                       apt-get install dataset-fashion-mnist)
          --out DIR    where results.md and the saved model go (default ./finetuning-output)
          --train N    training rows, the first N training images (default 2,000; 1 to 55,000)
          --epochs N   epochs of every run (default 5; 1 to 100)
          --quick      smoke test: 200 training, 100 held-out and 200 test rows, 1 epoch
          --help       this text
        """;

    public string? DataDirectory { get; init; }

    public string OutputDirectory { get; init; } = "finetuning-output";

    public int TrainRows { get; init; } = DefaultTrainRows;

    public int Epochs { get; init; } = DefaultEpochs;

    public bool Quick { get; init; }

    public bool ShowHelp { get; init; }

    /// <summary>Parses <paramref name="args"/>; false with a message naming the bad argument.</summary>
    public static bool TryParse(string[] args, out FineTuningArguments parsed, out string error)
    {
        parsed = new FineTuningArguments();
        error = "";
        bool trainGiven = false, epochsGiven = false;
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
                case "--train":
                    if (!TryInt(args, ref i, 1, 55_000, out int train, out error))
                        return false;
                    parsed = parsed with { TrainRows = train };
                    trainGiven = true;
                    break;
                case "--epochs":
                    if (!TryInt(args, ref i, 1, 100, out int epochs, out error))
                        return false;
                    parsed = parsed with { Epochs = epochs };
                    epochsGiven = true;
                    break;
                default:
                    error = $"unknown argument '{arg}'.";
                    return false;
            }
        }
        if (parsed.Quick && (trainGiven || epochsGiven))
        {
            error = "--quick fixes the rows and epochs; leave out --train and --epochs.";
            return false;
        }
        return true;
    }
}

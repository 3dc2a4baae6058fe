using System.Globalization;
using MLNet.SoftTargets.Datasets;
using static MLNet.SoftTargets.Examples.ArgumentReader;

namespace MLNet.SoftTargets.SemiSupervised;

/// <summary>The command line. Every value is checked here; a bad one gives a message naming it (exit code 2).</summary>
public sealed record SemiSupervisedArguments
{
    public const int DefaultRounds = 5;
    public const int DefaultLabelledPerClass = 10;
    public const int DefaultBatchSize = 32;
    public const double DefaultTemperature = 0.5;

    public const string Usage =
        "usage: dotnet run -c Release --project examples/MLNet.SoftTargets.SemiSupervised [-- [--fashion | --data DIR] " +
        "[--rounds N] [--labelled-per-class N] [--epochs N] [--baseline-epochs N] [--batch N] [--temperature T] [--threshold P] " +
        "[--fine-tune] [--unlabelled N] [--seeds S1,S2,...] [--model PATH]]";

    public const string Help =
        """
          --fashion                Fashion-MNIST from /usr/share/datasets/fashion-mnist (apt-get install dataset-fashion-mnist)
          --data DIR               Fashion-MNIST from a folder with its four IDX .gz files
                                   (default data: the embedded UCI digits, 8x8, 1,797 rows)
          --rounds N               pseudo-labelling rounds after the labelled-only baseline (default 5; 0 = baseline only)
          --labelled-per-class N   training rows per class that keep their labels (default 10)
          --epochs N               epochs of each round's training run (default: 30 on digits, 3 on Fashion-MNIST)
          --baseline-epochs N      epochs of the labelled-only baseline (default: as many Adam steps as a round takes)
          --batch N                examples per Adam step (default 32)
          --temperature T          sharpening temperature of the pseudo-labels, 0 < T (default 0.5, as in MixMatch)
          --threshold P            leave out unlabelled rows whose top-1 confidence is below P, 0 <= P < 1 (default 0: use all)
          --fine-tune              continue from the previous round's weights instead of training a fresh model
          --unlabelled N           use at most N unlabelled rows (default: the rest of the training split)
          --seeds S1,S2,...        run the whole experiment once per seed (the seed picks the labelled rows, the initialisation
                                   and the shuffling; the verdict weighs the change against its spread over seeds).
                                   Default: 42,43,44,45,46 on digits, 42,43,44 on Fashion-MNIST; the first seed's model is saved
          --model PATH             where the saved model goes (default: SemiSupervisedModel.zip next to the app)
          --help                   this text
        """;

    /// <summary>The Fashion-MNIST folder, or null for the embedded digits.</summary>
    public string? FashionDirectory { get; init; }

    public int Rounds { get; init; } = DefaultRounds;

    public int LabelledPerClass { get; init; } = DefaultLabelledPerClass;

    /// <summary>--epochs, or null for the data set's default.</summary>
    public int? Epochs { get; init; }

    /// <summary>--baseline-epochs, or null for the same number of steps as a round.</summary>
    public int? BaselineEpochs { get; init; }

    public int BatchSize { get; init; } = DefaultBatchSize;

    public double Temperature { get; init; } = DefaultTemperature;

    public double Threshold { get; init; }

    public bool FineTune { get; init; }

    public int? MaxUnlabelled { get; init; }

    /// <summary>--seeds, or null for the data set's default.</summary>
    public IReadOnlyList<int>? Seeds { get; init; }

    public string? ModelPath { get; init; }

    public bool ShowHelp { get; init; }

    /// <summary>Parses <paramref name="args"/>; false with a message naming the bad argument.</summary>
    public static bool TryParse(string[] args, out SemiSupervisedArguments parsed, out string error)
    {
        parsed = new SemiSupervisedArguments();
        error = "";
        bool fashion = false, data = false;
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            string text;
            switch (arg)
            {
                case "--help" or "-h":
                    parsed = parsed with { ShowHelp = true };
                    break;
                case "--fashion":
                    fashion = true;
                    break;
                case "--fine-tune":
                    parsed = parsed with { FineTune = true };
                    break;
                case "--data":
                    if (!TryValue(args, ref i, out text, out error))
                        return false;
                    if (!Directory.Exists(text))
                    {
                        error = $"--data: folder '{text}' does not exist.";
                        return false;
                    }
                    if (!FashionMnist.HasFiles(text))
                    {
                        error = $"--data: '{text}' does not hold Fashion-MNIST's four files ({string.Join(", ", FashionMnist.FileNames)}).";
                        return false;
                    }
                    data = true;
                    parsed = parsed with { FashionDirectory = text };
                    break;
                case "--rounds":
                    if (!TryInt(args, ref i, 0, 100, out int rounds, out error))
                        return false;
                    parsed = parsed with { Rounds = rounds };
                    break;
                case "--labelled-per-class":
                    if (!TryInt(args, ref i, 1, 10_000, out int perClass, out error))
                        return false;
                    parsed = parsed with { LabelledPerClass = perClass };
                    break;
                case "--epochs":
                    if (!TryInt(args, ref i, 1, 10_000, out int epochs, out error))
                        return false;
                    parsed = parsed with { Epochs = epochs };
                    break;
                case "--baseline-epochs":
                    if (!TryInt(args, ref i, 1, 100_000, out int baselineEpochs, out error))
                        return false;
                    parsed = parsed with { BaselineEpochs = baselineEpochs };
                    break;
                case "--batch":
                    if (!TryInt(args, ref i, 1, 65_536, out int batch, out error))
                        return false;
                    parsed = parsed with { BatchSize = batch };
                    break;
                case "--unlabelled":
                    if (!TryInt(args, ref i, 1, 10_000_000, out int unlabelled, out error))
                        return false;
                    parsed = parsed with { MaxUnlabelled = unlabelled };
                    break;
                case "--temperature":
                    if (!TryDouble(args, ref i, out double temperature, out error))
                        return false;
                    if (!(temperature > 0) || double.IsInfinity(temperature))
                    {
                        error = $"--temperature: {temperature.ToString(CultureInfo.InvariantCulture)} is not a finite number > 0.";
                        return false;
                    }
                    parsed = parsed with { Temperature = temperature };
                    break;
                case "--threshold":
                    if (!TryDouble(args, ref i, out double threshold, out error))
                        return false;
                    if (!(threshold >= 0 && threshold < 1))
                    {
                        error = $"--threshold: {threshold.ToString(CultureInfo.InvariantCulture)} is not in [0, 1).";
                        return false;
                    }
                    parsed = parsed with { Threshold = threshold };
                    break;
                case "--seeds":
                    if (!TryValue(args, ref i, out text, out error))
                        return false;
                    var seeds = new List<int>();
                    foreach (string part in text.Split(','))
                    {
                        if (!int.TryParse(part.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int seed))
                        {
                            error = $"--seeds: '{part}' is not a whole number ≥ 0 (give e.g. --seeds 42,43,44).";
                            return false;
                        }
                        seeds.Add(seed);
                    }
                    if (seeds.Distinct().Count() != seeds.Count)
                    {
                        error = $"--seeds: '{text}' repeats a seed.";
                        return false;
                    }
                    parsed = parsed with { Seeds = seeds };
                    break;
                case "--model":
                    if (!TryValue(args, ref i, out text, out error))
                        return false;
                    parsed = parsed with { ModelPath = text };
                    break;
                default:
                    error = $"unknown argument '{arg}'.";
                    return false;
            }
        }
        if (fashion && data)
        {
            error = "--fashion and --data exclude each other (--data already means Fashion-MNIST from that folder).";
            return false;
        }
        if (fashion)
        {
            if (FashionMnist.TryFindDefault() is not { } found)
            {
                error = $"--fashion: Fashion-MNIST is not installed in {FashionMnist.DefaultDirectory} (apt-get install dataset-fashion-mnist, or --data DIR).";
                return false;
            }
            parsed = parsed with { FashionDirectory = found };
        }
        return true;
    }
}

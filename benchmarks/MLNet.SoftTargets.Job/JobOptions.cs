using System.Globalization;

namespace MLNet.SoftTargets.Job;

/// <summary>The command line: <c>--epochs N --only KEY[,KEY] --quick --data DIR</c>.</summary>
internal sealed record JobOptions(int Epochs, IReadOnlyList<string> Only, bool Quick, int TrainRows, string DataDirectory, bool Help)
{
    public const int QuickEpochs = 2;
    public const int QuickTrainRows = 10_000;

    public const string Usage =
        "usage: MLNet.SoftTargets.Job [--epochs N (default 10; 2 with --quick)] [--only KEY[,KEY…] (torchsharp, lbfgs, sdca, " +
        "or any word of a contestant's name; repeatable)] [--quick (smoke run: 2 epochs, first 10,000 training rows)] " +
        "[--data DIR (default " + JobData.DefaultDirectory + ")]";

    public static JobOptions Parse(string[] args)
    {
        int? epochs = null;
        var only = new List<string>();
        bool quick = false, help = false;
        string data = JobData.DefaultDirectory;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--epochs":
                {
                    string text = Value(args, ref i);
                    epochs = int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1
                        ? n
                        : throw new ArgumentException($"--epochs needs a whole number ≥ 1, not '{text}'");
                    break;
                }
                case "--only":
                    only.AddRange(Value(args, ref i).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                    break;
                case "--quick": quick = true; break;
                case "--data": data = Value(args, ref i); break;
                case "-h" or "--help": help = true; break;
                default: throw new ArgumentException($"unknown argument '{args[i]}'");
            }
        }
        return new JobOptions(
            epochs ?? (quick ? QuickEpochs : new JobSettings().Epochs),
            only,
            quick,
            quick ? QuickTrainRows : JobData.TrainRows,
            data,
            help);
    }

    /// <summary>Whether <c>--only</c> selects <paramref name="contestant"/> (no <c>--only</c>: all of them).</summary>
    public bool Selects(IJobContestant contestant) =>
        Only.Count == 0 || Only.Any(o =>
            string.Equals(o, contestant.Key, StringComparison.OrdinalIgnoreCase) ||
            contestant.Name.Contains(o, StringComparison.OrdinalIgnoreCase));

    private static string Value(string[] args, ref int i) =>
        ++i < args.Length ? args[i] : throw new ArgumentException($"{args[i - 1]} needs a value");
}

using System.Globalization;

namespace MLNet.SoftTargets.TrainStep;

/// <summary>The command line: <c>--rounds N --steps N --warmup N --warmup-seconds S --data DIR</c>.</summary>
internal sealed record BenchmarkOptions(int Rounds, int Steps, int Warmup, double WarmupSeconds, string DataDirectory, bool Help)
{
    public const string Usage =
        "usage: MLNet.SoftTargets.TrainStep [--rounds N (default 9)] [--steps N (default 215 = one epoch)] " +
        "[--warmup N (untimed steps before each round, default 20)] " +
        "[--warmup-seconds S (untimed, once per contestant before the first round, default 2)] " +
        "[--data DIR (default " + TrainingData.DefaultFashionMnistDirectory + ")]";

    public static BenchmarkOptions Parse(string[] args)
    {
        int rounds = 9, steps = 215, warmup = 20;
        double warmupSeconds = 2;
        string data = TrainingData.DefaultFashionMnistDirectory;
        bool help = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--rounds": rounds = Positive(args, ref i); break;
                case "--steps": steps = Positive(args, ref i); break;
                case "--warmup": warmup = NonNegative(args, ref i); break;
                case "--warmup-seconds": warmupSeconds = Seconds(args, ref i); break;
                case "--data": data = Value(args, ref i); break;
                case "-h" or "--help": help = true; break;
                default: throw new ArgumentException($"unknown argument '{args[i]}'");
            }
        }
        return new BenchmarkOptions(rounds, steps, warmup, warmupSeconds, data, help);
    }

    private static string Value(string[] args, ref int i) =>
        ++i < args.Length ? args[i] : throw new ArgumentException($"{args[i - 1]} needs a value");

    private static int NonNegative(string[] args, ref int i)
    {
        string name = args[i];
        string text = Value(args, ref i);
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n)
            ? n
            : throw new ArgumentException($"{name} needs a whole number ≥ 0, not '{text}'");
    }

    private static double Seconds(string[] args, ref int i)
    {
        string name = args[i];
        string text = Value(args, ref i);
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double s) && s >= 0 && s <= 600
            ? s
            : throw new ArgumentException($"{name} needs a number of seconds in 0..600, not '{text}'");
    }

    private static int Positive(string[] args, ref int i)
    {
        string name = args[i];
        int n = NonNegative(args, ref i);
        return n >= 1 ? n : throw new ArgumentException($"{name} needs a whole number ≥ 1");
    }
}

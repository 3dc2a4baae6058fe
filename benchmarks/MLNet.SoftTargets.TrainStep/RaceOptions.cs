using System.CommandLine;
using MLNet.SoftTargets.Examples;

namespace MLNet.SoftTargets.TrainStep;

/// <summary>The race's options, shared by the TorchSharp benchmarks with their own defaults: <c>--rounds --steps --warmup --warmup-seconds</c>.</summary>
public sealed record RaceOptions(Option<int> Rounds, Option<int> Steps, Option<int> Warmup, Option<double> WarmupSeconds)
{
    public Option[] All => [Rounds, Steps, Warmup, WarmupSeconds];

    public static RaceOptions Create(int rounds, int steps, string stepsText, int warmup, double warmupSeconds) => new(
        CommandLineHost.Int("--rounds", "timed rounds; the table reports the median (use ≥ 5)", 1, int.MaxValue, rounds),
        CommandLineHost.Int("--steps", stepsText, 1, int.MaxValue, steps),
        CommandLineHost.Int("--warmup", "untimed steps before each round", 0, int.MaxValue, warmup),
        CommandLineHost.Number("--warmup-seconds", "S", "untimed steps for this long, once per contestant, before the first round",
            "a number of seconds from 0 to 600", s => s >= 0 && s <= 600, warmupSeconds));
}

using System.Diagnostics;

namespace MLNet.SoftTargets.TrainStep;

/// <summary>The result of one timed round of one contestant.</summary>
public readonly record struct RoundResult(int Steps, long Samples, double Seconds, float LastLoss)
{
    public double SamplesPerSecond => Samples / Seconds;
    public double MillisecondsPerStep => Seconds * 1000 / Steps;
}

/// <summary>Runs a contestant over the batches of an epoch and times it.</summary>
public sealed class Harness(IReadOnlyList<Batch> batches)
{
    /// <summary>
    /// The race: first <see cref="WarmUp"/> each contestant for <paramref name="warmupSeconds"/> (one report line each),
    /// then <paramref name="rounds"/> rounds in which the contestants alternate, their order reversed every other round
    /// (A B, B A, …), so slow drift on the machine hits both; prints a markdown row per contestant and round, then
    /// the summary table (<see cref="PrintSummary"/>). <paramref name="unit"/> names the rows ("samples", "images").
    /// The first contestant is the peer of the ratio column.
    /// </summary>
    public IReadOnlyDictionary<ITrainStep, List<RoundResult>> Race(IReadOnlyList<ITrainStep> contestants, double warmupSeconds,
        int rounds, int warmup, int steps, string unit)
    {
        foreach (var contestant in contestants)
        {
            var started = Stopwatch.StartNew();
            int warmupSteps = WarmUp(contestant, TimeSpan.FromSeconds(warmupSeconds));
            Console.WriteLine($"- Initial warm-up of {contestant.Name}: {warmupSteps} steps in {started.Elapsed.TotalSeconds:F1} s");
        }
        Console.WriteLine();
        var results = new Dictionary<ITrainStep, List<RoundResult>>(ReferenceEqualityComparer.Instance);
        foreach (var contestant in contestants)
            results[contestant] = [];

        Console.WriteLine($"| round | contestant | {unit}/s | ms/step | loss |");
        Console.WriteLine("|---:|---|---:|---:|---:|");
        for (int round = 0; round < rounds; round++)
        {
            var order = round % 2 == 0 ? contestants : Enumerable.Reverse(contestants).ToList();
            foreach (var contestant in order)
            {
                var result = Run(contestant, warmup, steps);
                results[contestant].Add(result);
                Console.WriteLine($"| {round + 1} | {contestant.Name} | {result.SamplesPerSecond:N0} | {result.MillisecondsPerStep:F3} | {result.LastLoss:F4} |");
            }
        }
        Console.WriteLine();
        PrintSummary(contestants, results, unit);
        return results;
    }

    /// <summary>The summary table: per contestant the median, min and max of its rounds, and the ratio to the first contestant.</summary>
    public static void PrintSummary(IReadOnlyList<ITrainStep> contestants, IReadOnlyDictionary<ITrainStep, List<RoundResult>> results, string unit)
    {
        int rounds = results[contestants[0]].Count;
        Console.WriteLine($"| contestant | {unit}/s (median of {rounds}) | min | max | ms/step (median) | vs {contestants[0].Name} | last loss |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        double peer = Median(results[contestants[0]].Select(r => r.SamplesPerSecond));
        foreach (var contestant in contestants)
        {
            var list = results[contestant];
            double median = Median(list.Select(r => r.SamplesPerSecond));
            Console.WriteLine($"| {contestant.Name} | **{median:N0}** | {list.Min(r => r.SamplesPerSecond):N0} | " +
                              $"{list.Max(r => r.SamplesPerSecond):N0} | {Median(list.Select(r => r.MillisecondsPerStep)):F3} | " +
                              $"{median / peer:F2}× | {list[^1].LastLoss:F4} |");
        }
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private readonly Dictionary<ITrainStep, int> _cursor = new(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// Runs <paramref name="warmup"/> untimed steps, then <paramref name="steps"/> timed ones, and returns the
    /// samples per second of the timed part. Each contestant walks the epoch's batches in order (the partial last
    /// batch included) and carries on where its previous round stopped, so all contestants see the same
    /// sequence of batches.
    /// </summary>
    public RoundResult Run(ITrainStep contestant, int warmup, int steps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(warmup);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        int cursor = _cursor.GetValueOrDefault(contestant);

        for (int i = 0; i < warmup; i++)
            Take(contestant, ref cursor);

        GC.Collect();
        GC.WaitForPendingFinalizers();

        long samples = 0;
        float loss = float.NaN;
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < steps; i++)
        {
            var batch = batches[cursor];
            loss = contestant.Step(batch.X, batch.Q, batch.Rows);
            samples += batch.Rows;
            cursor = (cursor + 1) % batches.Count;
        }
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;

        _cursor[contestant] = cursor;
        if (!float.IsFinite(loss))
            throw new InvalidOperationException($"{contestant.Name}: the loss is {loss}");
        return new RoundResult(steps, samples, seconds, loss);
    }

    /// <summary>
    /// Runs untimed steps for at least <paramref name="duration"/>, once, before the first round: the first
    /// second or so of a .NET process runs unoptimised (tier-0) code and compiles the optimised code on a
    /// background thread that competes for the same 2 cores, so a short per-round warm-up is not enough
    /// (measured: TorchSharp's first round ran at 80–100k samples/s after 20 warm-up steps, 150k after 1 s).
    /// Returns the number of steps run.
    /// </summary>
    public int WarmUp(ITrainStep contestant, TimeSpan duration)
    {
        int cursor = _cursor.GetValueOrDefault(contestant);
        int steps = 0;
        long start = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(start) < duration)
        {
            Take(contestant, ref cursor);
            steps++;
        }
        _cursor[contestant] = cursor;
        return steps;
    }

    private void Take(ITrainStep contestant, ref int cursor)
    {
        var batch = batches[cursor];
        contestant.Step(batch.X, batch.Q, batch.Rows);
        cursor = (cursor + 1) % batches.Count;
    }
}

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
    private readonly Dictionary<ITrainStepContestant, int> _cursor = new(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// Runs <paramref name="warmup"/> untimed steps, then <paramref name="steps"/> timed ones, and returns the
    /// samples per second of the timed part. Each contestant walks the epoch's batches in order (the partial last
    /// batch included) and carries on where its previous round stopped, so all contestants see the same
    /// sequence of batches.
    /// </summary>
    public RoundResult Run(ITrainStepContestant contestant, int warmup, int steps)
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
    public int WarmUp(ITrainStepContestant contestant, TimeSpan duration)
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

    private void Take(ITrainStepContestant contestant, ref int cursor)
    {
        var batch = batches[cursor];
        contestant.Step(batch.X, batch.Q, batch.Rows);
        cursor = (cursor + 1) % batches.Count;
    }
}

namespace MLNet.SoftTargets.Job;

/// <summary>
/// One trainer on the benchmark job. <see cref="Run"/> trains one model from scratch on <see cref="JobData.Train"/>
/// and scores <see cref="JobData.Holdout"/> and <see cref="JobData.Test"/>; the harness computes every metric from
/// the returned probabilities (<see cref="JobMetrics"/>), the same way for all contestants.
/// </summary>
/// <remarks>
/// The contract, so that the rows of the table are comparable:
/// <list type="bullet">
/// <item>Targets are <see cref="JobSplit.SoftTargets"/> of <paramref name="alpha"/> (<c>Uniform</c>: <c>(1-α)·onehot + α/10</c>).</item>
/// <item>Epoch-based trainers use <see cref="JobData.Settings"/>: Adam with its lr, β1, β2, ε (no weight decay),
///   batch, epochs, seed and threads; rows shuffled every epoch (seeded). They report every epoch's wall time in
///   <see cref="JobResult.EpochSeconds"/>.</item>
/// <item><see cref="JobResult.InferenceMilliseconds"/>: scoring the whole test split, from the managed float array
///   to the managed probability array; the median of <see cref="JobSettings.InferenceRepeats"/> timed runs after one
///   untimed run.</item>
/// <item>The held-out rows are only scored (never trained on); the harness fits the temperature on them.</item>
/// </list>
/// To add a contestant, implement this interface and add an instance to the list in <c>Program.cs</c>.
/// </remarks>
public interface IJobContestant
{
    /// <summary>The name in the table's first column.</summary>
    string Name { get; }

    /// <summary>A short key for <c>--only</c> (lower case, no spaces), e.g. <c>torchsharp</c>.</summary>
    string Key { get; }

    /// <summary>Whether this contestant takes part in that cell of the job (ML.NET's trainers: linear, α = 0 only).</summary>
    bool Supports(ModelKind model, float alpha);

    /// <summary>Trains one model and scores the held-out and test rows.</summary>
    JobResult Run(JobData data, ModelKind model, float alpha);
}

/// <summary>What one contestant measured on one cell of the job.</summary>
public sealed record JobResult
{
    /// <summary>Wall time of every epoch, in order; empty for trainers without epochs (then only <see cref="TrainingSeconds"/> counts).</summary>
    public required IReadOnlyList<double> EpochSeconds { get; init; }

    /// <summary>Wall time of the whole training (all epochs, or the whole <c>Fit</c>), without loading the data.</summary>
    public required double TrainingSeconds { get; init; }

    /// <summary>Probabilities for <see cref="JobData.Holdout"/>, row-major <c>[rows, 10]</c>.</summary>
    public required float[] HoldoutProbabilities { get; init; }

    /// <summary>Probabilities for <see cref="JobData.Test"/>, row-major <c>[rows, 10]</c>.</summary>
    public required float[] TestProbabilities { get; init; }

    /// <summary>Median time to score the whole test split (see <see cref="IJobContestant"/>).</summary>
    public required double InferenceMilliseconds { get; init; }

    /// <summary>Mean training loss of the last epoch, when the trainer exposes it (a sanity check only).</summary>
    public double? FinalTrainingLoss { get; init; }

    /// <summary>Anything the report should say about this run (one line).</summary>
    public string? Note { get; init; }

    public bool HasEpochs => EpochSeconds.Count > 0;

    public double MedianEpochSeconds => HasEpochs ? Stats.Median(EpochSeconds) : double.NaN;
}

/// <summary>One row of the report: a <see cref="JobResult"/> and the metrics computed from it.</summary>
/// <param name="LoadAverage">The 1-minute load average when the run ended (other work on the machine makes timings noisy).</param>
public sealed record JobRow(string Contestant, ModelKind Model, float Alpha, int TrainRows, JobResult Result, JobMetrics Metrics, string LoadAverage)
{
    /// <summary>Training rows per second of a median epoch; NaN for trainers without epochs.</summary>
    public double SamplesPerSecond => Result.HasEpochs ? TrainRows / Result.MedianEpochSeconds : double.NaN;
}

internal static class Stats
{
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
            return double.NaN;
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}

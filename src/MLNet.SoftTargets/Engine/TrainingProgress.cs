namespace MLNet.SoftTargets;

/// <summary>One progress report of the soft-target trainer.</summary>
/// <param name="Epoch">The epoch just finished, from 1.</param>
/// <param name="Step">Steps run so far.</param>
/// <param name="TrainingLoss">Mean training loss over the epoch's batches.</param>
/// <param name="ValidationLogLoss">Validation log-loss, or null without validation data.</param>
/// <param name="ValidationAccuracy">Validation accuracy, or null without validation data.</param>
/// <param name="SamplesPerSecond">Training throughput over the epoch.</param>
/// <param name="SkippedRows">Rows skipped so far because their label or soft target is missing.</param>
/// <param name="EpochSeconds">Wall-clock seconds of the epoch (training only).</param>
public sealed record TrainingProgress(int Epoch, long Step, double TrainingLoss, double? ValidationLogLoss, double? ValidationAccuracy,
    double SamplesPerSecond, long SkippedRows, double EpochSeconds)
{
    /// <summary>Why training stopped: set on the last report of a run (and on the report sent when it is cancelled), null on the others.</summary>
    public TrainingStopReason? StopReason { get; init; }
}

namespace MLNet.SoftTargets;

/// <summary>Why training stopped, on the last <see cref="TrainingProgress"/> report of a run.</summary>
public enum TrainingStopReason
{
    /// <summary>The budget was spent: every epoch (or optimizer step) the options allow was run.</summary>
    BudgetSpent = 0,

    /// <summary>The validation metric did not improve for the early-stopping patience; the best epoch's weights are kept.</summary>
    EarlyStopping = 1,

    /// <summary>The monitored loss stopped improving by more than the tolerance (a plateau).</summary>
    Plateau = 2,

    /// <summary>The optimizer converged (full-batch L-BFGS: the loss or the gradient fell below its tolerance).</summary>
    Converged = 3,

    /// <summary>The cancellation token was cancelled (reported to the progress callback before training throws).</summary>
    Cancelled = 4,
}

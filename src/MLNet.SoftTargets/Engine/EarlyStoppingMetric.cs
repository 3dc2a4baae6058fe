namespace MLNet.SoftTargets;

/// <summary>The validation metric that early stopping watches.</summary>
public enum EarlyStoppingMetric
{
    /// <summary>Validation log-loss (lower is better).</summary>
    LogLoss = 0,

    /// <summary>Validation accuracy (higher is better).</summary>
    Accuracy = 1,
}

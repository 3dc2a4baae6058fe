namespace MLNet.SoftTargets;

/// <summary>The optimizer of <see cref="SoftTargetCrossEntropyTrainer"/>.</summary>
public enum SoftTargetOptimizer
{
    /// <summary>Adam (Kingma &amp; Ba 2015), bias-corrected; weight decay is added to the gradient.</summary>
    Adam = 0,

    /// <summary>AdamW (Loshchilov &amp; Hutter 2019): Adam with decoupled weight decay.</summary>
    AdamW = 1,

    /// <summary>Stochastic gradient descent with optional momentum and Nesterov momentum.</summary>
    Sgd = 2,
}

/// <summary>How the learning rate changes over training (after the optional linear warm-up).</summary>
public enum LearningRateSchedule
{
    /// <summary>The learning rate stays at <see cref="SoftTargetCrossEntropyTrainer.Options.LearningRate"/>.</summary>
    Constant = 0,

    /// <summary>Multiplied by <see cref="SoftTargetCrossEntropyTrainer.Options.StepDecayFactor"/> every <see cref="SoftTargetCrossEntropyTrainer.Options.StepDecayEpochs"/> epochs.</summary>
    Step = 1,

    /// <summary>Cosine annealing from the learning rate to 0 over all steps (Loshchilov &amp; Hutter 2017).</summary>
    Cosine = 2,
}

/// <summary>The validation metric that early stopping watches.</summary>
public enum EarlyStoppingMetric
{
    /// <summary>Validation log-loss (lower is better).</summary>
    LogLoss = 0,

    /// <summary>Validation accuracy (higher is better).</summary>
    Accuracy = 1,
}

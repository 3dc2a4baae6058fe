namespace MLNet.SoftTargets;

/// <summary>How the learning rate changes over training (after the optional linear warm-up).</summary>
public enum LearningRateSchedule
{
    /// <summary>The learning rate stays at the trainer's <c>LearningRate</c>.</summary>
    Constant = 0,

    /// <summary>Multiplied by the trainer's <c>StepDecayFactor</c> every <c>StepDecayEpochs</c> epochs.</summary>
    Step = 1,

    /// <summary>Cosine annealing from the learning rate to 0 over all steps (Loshchilov &amp; Hutter 2017).</summary>
    Cosine = 2,
}

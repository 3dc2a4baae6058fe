namespace MLNet.SoftTargets;

/// <summary>The learning rate of each step: linear warm-up, then the schedule of the options.</summary>
internal static class LearningRates
{
    /// <summary>The rate for the step with 0-based index <paramref name="step"/>, taken in 0-based epoch <paramref name="epoch"/>.</summary>
    public static double At(SoftTargetCrossEntropyTrainer.Options options, long step, int epoch, long totalSteps)
    {
        double rate = options.LearningRate;
        if (step < options.WarmupSteps)
            return rate * (step + 1) / options.WarmupSteps;
        return options.Schedule switch
        {
            LearningRateSchedule.Step => rate * Math.Pow(options.StepDecayFactor, epoch / options.StepDecayEpochs),
            LearningRateSchedule.Cosine => rate * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(1.0, (step - options.WarmupSteps) / (double)Math.Max(1, totalSteps - options.WarmupSteps)))),
            _ => rate,
        };
    }
}

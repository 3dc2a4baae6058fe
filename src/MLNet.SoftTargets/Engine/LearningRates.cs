namespace MLNet.SoftTargets.Engine;

/// <summary>The learning rate of each step: linear warm-up, then the schedule.</summary>
internal static class LearningRates
{
    /// <summary>
    /// The rate for the step with 0-based index <paramref name="step"/>, taken in 0-based epoch <paramref name="epoch"/>,
    /// from the peak <paramref name="rate"/>; <paramref name="totalSteps"/> is the run's length (the cosine schedule needs it).
    /// </summary>
    public static double At(double rate, ScheduleSettings schedule, long step, int epoch, long totalSteps)
    {
        if (step < schedule.WarmupSteps)
            return rate * (step + 1) / schedule.WarmupSteps;
        return schedule.Kind switch
        {
            LearningRateSchedule.Step => rate * Math.Pow(schedule.StepDecayFactor, epoch / schedule.StepDecayEpochs),
            LearningRateSchedule.Cosine => rate * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(1.0, (step - schedule.WarmupSteps) / (double)Math.Max(1, totalSteps - schedule.WarmupSteps)))),
            _ => rate,
        };
    }
}

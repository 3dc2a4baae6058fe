using MLNet.SoftTargets.Backbones;
using MLNet.SoftTargets.Engine;

namespace MLNet.SoftTargets;

/// <summary>
/// Translates the public <see cref="SoftTargetCrossEntropyTrainer.Options"/> into the engine's small settings records:
/// what changes the arithmetic (<see cref="TrainingSettings"/>, fingerprinted for checkpoints) and how the run is carried
/// out (<see cref="RunSettings"/>). The only place where the options meet the engine.
/// </summary>
internal static class OptionsTranslation
{
    /// <exception cref="ArgumentException">The backbone has neither model bytes nor a path.</exception>
    /// <exception cref="IOException">The backbone's model file cannot be read.</exception>
    /// <param name="o">The options.</param>
    /// <param name="schema">The training data's columns.</param>
    /// <param name="automatic">What the unset options became for this data (<see cref="AutomaticSettings.Resolve"/>).</param>
    public static TrainingSettings Training(SoftTargetCrossEntropyTrainer.Options o, TrainingSchema schema, AutomaticSettings automatic) => new()
    {
        Network = new NetworkSettings(schema.FeatureCount, schema.ClassCount, [.. o.HiddenLayerSizes], o.CosineScale, Backbone(o.Backbone)),
        Optimizer = new OptimizerSettings(automatic.Optimizer, automatic.LearningRate, o.WeightDecay, o.Beta1, o.Beta2, o.Epsilon, o.Momentum, o.Nesterov),
        Schedule = new ScheduleSettings(o.Schedule, o.StepDecayEpochs, o.StepDecayFactor, o.WarmupSteps),
        Batches = new BatchSettings(automatic.Epochs, automatic.BatchSize, o.Shuffle, o.ShuffleBufferSize, automatic.CacheData, o.Seed),
        Loss = new LossSettings(o.LossTemperature, o.ExampleWeightColumnName is not null),
        Stopping = new StoppingSettings(automatic.EarlyStoppingPatience, o.EarlyStoppingMetric, automatic.PlateauPatience, AutomaticSettings.PlateauTolerance),
        Lbfgs = new LbfgsSettings(o.MaximumNumberOfIterations, o.OptimizationTolerance),
        DataSource = $"features '{o.FeatureColumnName}', label '{o.LabelColumnName}', soft target '{o.SoftTargetColumnName}', weight '{o.ExampleWeightColumnName}'",
    };

    public static RunSettings Run(SoftTargetCrossEntropyTrainer.Options o) =>
        new(o.Device, o.Threads ?? Environment.ProcessorCount, o.CheckpointDirectory, o.CheckpointInterval, o.Progress, o.Log, o.CancellationToken);

    private static BackboneSettings? Backbone(BackboneOptions? options)
    {
        if (options is null)
            return null;
        var bytes = options.Model ?? (options.ModelPath is { } path ? File.ReadAllBytes(path)
            : throw new ArgumentException("Backbone needs Model (bytes) or ModelPath.", nameof(options)));
        return new BackboneSettings(bytes, options.OutputName, options.TrainableLayers, options.LearningRateMultiplier);
    }
}

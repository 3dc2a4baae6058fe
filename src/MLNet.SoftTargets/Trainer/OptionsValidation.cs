namespace MLNet.SoftTargets;

/// <summary>Checks <see cref="SoftTargetCrossEntropyTrainer.Options"/> at construction; messages name the option, its value and the allowed range.</summary>
internal static class OptionsValidation
{
    public static void Check(SoftTargetCrossEntropyTrainer.Options o)
    {
        ArgumentException.ThrowIfNullOrEmpty(o.LabelColumnName, nameof(o.LabelColumnName));
        ArgumentException.ThrowIfNullOrEmpty(o.FeatureColumnName, nameof(o.FeatureColumnName));
        if (o.SoftTargetColumnName is not null)
            ArgumentException.ThrowIfNullOrEmpty(o.SoftTargetColumnName, nameof(o.SoftTargetColumnName));
        if (o.ExampleWeightColumnName is not null)
            ArgumentException.ThrowIfNullOrEmpty(o.ExampleWeightColumnName, nameof(o.ExampleWeightColumnName));
        ArgumentNullException.ThrowIfNull(o.HiddenLayerSizes, nameof(o.HiddenLayerSizes));
        if (o.HiddenLayerSizes.Any(h => h < 1))
            throw Range(nameof(o.HiddenLayerSizes), string.Join(",", o.HiddenLayerSizes), "every hidden layer size must be ≥ 1");
        if (o.CosineScale is { } s && !(s > 0 && double.IsFinite(s)))
            throw Range(nameof(o.CosineScale), s, "must be a finite number > 0 (or null for a linear last layer)");
        Positive(nameof(o.LossTemperature), o.LossTemperature);
        if (o.LearningRate is { } rate)
            Positive(nameof(o.LearningRate), rate);
        if (o.WeightDecay is { } decay && !(decay >= 0 && double.IsFinite(decay)))
            throw Range(nameof(o.WeightDecay), decay, "must be a finite number ≥ 0 (or null for the optimizer's default)");
        Positive(nameof(o.OptimizationTolerance), o.OptimizationTolerance);
        AtLeast(nameof(o.MaximumNumberOfIterations), o.MaximumNumberOfIterations, 1);
        if (o.Optimizer == SoftTargetOptimizer.Lbfgs && o.CheckpointDirectory is not null)
            throw Range(nameof(o.CheckpointDirectory), o.CheckpointDirectory, "full-batch L-BFGS (Optimizer = Lbfgs) does not write checkpoints; leave it null");
        if (!(o.Beta1 >= 0 && o.Beta1 < 1))
            throw Range(nameof(o.Beta1), o.Beta1, "must be in [0, 1)");
        if (!(o.Beta2 >= 0 && o.Beta2 < 1))
            throw Range(nameof(o.Beta2), o.Beta2, "must be in [0, 1)");
        Positive(nameof(o.Epsilon), o.Epsilon);
        if (!(o.Momentum >= 0 && o.Momentum < 1))
            throw Range(nameof(o.Momentum), o.Momentum, "must be in [0, 1)");
        if (o.Nesterov && o.Optimizer == SoftTargetOptimizer.Sgd && o.Momentum == 0)
            throw Range(nameof(o.Nesterov), o.Nesterov, "Nesterov momentum needs Momentum > 0");
        if (o.Optimizer is { } optimizer && !Enum.IsDefined(optimizer))
            throw Range(nameof(o.Optimizer), optimizer, $"must be one of {string.Join(", ", Enum.GetNames<SoftTargetOptimizer>())} (or null to choose by the head)");
        if (o.Backbone is { } backbone)
        {
            if (backbone.TrainableLayers < 0)
                throw Range("Backbone.TrainableLayers", backbone.TrainableLayers, "must be ≥ 0 (0 keeps the whole backbone frozen)");
            if (!(backbone.LearningRateMultiplier >= 0 && double.IsFinite(backbone.LearningRateMultiplier)))
                throw Range("Backbone.LearningRateMultiplier", backbone.LearningRateMultiplier, "must be a finite number ≥ 0 (the trainable layers' learning rate over the head's)");
        }
        if (o.Teacher is { } teacher)
        {
            if ((teacher.Model is null) == (teacher.ModelPath is null))
                throw new ArgumentException("Teacher needs exactly one of Model (a trained SoftTargetCrossEntropyModel) and ModelPath (an ONNX file).", "Teacher");
            if (teacher.ModelPath is not null)
                ArgumentException.ThrowIfNullOrWhiteSpace(teacher.ModelPath, "Teacher.ModelPath");
            if (teacher.OutputName is not null)
                ArgumentException.ThrowIfNullOrWhiteSpace(teacher.OutputName, "Teacher.OutputName");
            if (teacher.Model is not null && (teacher.OutputName is not null || teacher.OutputIsProbabilities is not null))
                throw new ArgumentException("Teacher.OutputName and Teacher.OutputIsProbabilities are for ModelPath; a Model teacher's logits are read.", "Teacher");
            if (!(teacher.Temperature > 0 && teacher.Temperature <= 1e4))
                throw Range("Teacher.Temperature", teacher.Temperature, "must be in (0, 10⁴]");
            if (!(teacher.Weight >= 0 && teacher.Weight <= 1))
                throw Range("Teacher.Weight", teacher.Weight, "must be in [0, 1] (the share of the distillation term)");
        }
        if (o.Mixup is { } mixup)
        {
            if (!(mixup.MixupAlpha >= 0 && double.IsFinite(mixup.MixupAlpha)))
                throw Range("Mixup.MixupAlpha", mixup.MixupAlpha, "must be a finite number ≥ 0 (0 turns mixup off)");
            if (!(mixup.CutMixAlpha >= 0 && double.IsFinite(mixup.CutMixAlpha)))
                throw Range("Mixup.CutMixAlpha", mixup.CutMixAlpha, "must be a finite number ≥ 0 (0 turns CutMix off)");
            if (!(mixup.Probability >= 0 && mixup.Probability <= 1))
                throw Range("Mixup.Probability", mixup.Probability, "must be in [0, 1]");
            if (!(mixup.SwitchProbability >= 0 && mixup.SwitchProbability <= 1))
                throw Range("Mixup.SwitchProbability", mixup.SwitchProbability, "must be in [0, 1]");
            if (mixup.ImageShape is { } shape && (shape.Count != 3 || shape.Any(d => d < 1)))
                throw Range("Mixup.ImageShape", $"[{string.Join(", ", shape)}]", "must be [C, H, W] with every size ≥ 1");
            if (mixup.CutMixAlpha > 0 && mixup.ImageShape is null)
                throw Range("Mixup.ImageShape", "null", "CutMix (CutMixAlpha > 0) needs the features' [C, H, W]");
        }
        if (AutomaticSettings.NeedsBatches(o))
        {
            string what = o.Teacher is { Weight: > 0 } ? "Teacher" : "Mixup";
            if (o.Backbone is not null)
                throw Range(what, "set", "not with Backbone: the backbone's batches hold its frozen part's outputs, not the feature column the teacher and mixing read");
            if (o.Optimizer == SoftTargetOptimizer.Lbfgs)
                throw Range(what, "set", "needs mini-batch steps: use Adam, AdamW or SGD (or leave Optimizer null), not full-batch L-BFGS");
        }
        if (!Enum.IsDefined(o.Schedule))
            throw Range(nameof(o.Schedule), o.Schedule, $"must be one of {string.Join(", ", Enum.GetNames<LearningRateSchedule>())}");
        AtLeast(nameof(o.StepDecayEpochs), o.StepDecayEpochs, 1);
        if (!(o.StepDecayFactor > 0 && o.StepDecayFactor <= 1))
            throw Range(nameof(o.StepDecayFactor), o.StepDecayFactor, "must be in (0, 1]");
        AtLeast(nameof(o.WarmupSteps), o.WarmupSteps, 0);
        if (o.Epochs is { } epochs)
            AtLeast(nameof(o.Epochs), epochs, 1);
        if (o.BatchSize is { } batch)
            AtLeast(nameof(o.BatchSize), batch, 1);
        AtLeast(nameof(o.AutomaticStepBudget), o.AutomaticStepBudget, 1);
        if (o.AutomaticCacheBytes < 0)
            throw Range(nameof(o.AutomaticCacheBytes), o.AutomaticCacheBytes, "must be ≥ 0");
        AtLeast(nameof(o.ShuffleBufferSize), o.ShuffleBufferSize, 1);
        if (o.EarlyStoppingPatience is { } patience)
            AtLeast(nameof(o.EarlyStoppingPatience), patience, 1);
        if (o.Threads is { } threads)
            AtLeast(nameof(o.Threads), threads, 1);
        AtLeast(nameof(o.CheckpointInterval), o.CheckpointInterval, 1);
        if (o.CheckpointDirectory is not null)
            ArgumentException.ThrowIfNullOrWhiteSpace(o.CheckpointDirectory, nameof(o.CheckpointDirectory));
    }

    private static void Positive(string name, double value)
    {
        if (!(value > 0 && double.IsFinite(value)))
            throw Range(name, value, "must be a finite number > 0");
    }

    private static void AtLeast(string name, int value, int minimum)
    {
        if (value < minimum)
            throw Range(name, value, $"must be ≥ {minimum}");
    }

    private static ArgumentOutOfRangeException Range(string name, object value, string rule) =>
        new(name, value, $"Option {name} = {value}: {rule}.");
}

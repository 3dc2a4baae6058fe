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
        Teacher = Teacher(o, schema),
        Mixup = Mixup(o, schema),
        DataSource = $"features '{o.FeatureColumnName}', label '{o.LabelColumnName}', soft target '{o.SoftTargetColumnName}', weight '{o.ExampleWeightColumnName}'",
    };

    public static RunSettings Run(SoftTargetCrossEntropyTrainer.Options o) =>
        new(o.Device, o.Threads ?? Environment.ProcessorCount, o.CheckpointDirectory, o.CheckpointInterval, o.Progress, o.Log, o.CancellationToken);

    /// <summary>The teacher, or null when there is none or its weight is 0 (then the run is exactly the run without it).</summary>
    private static TeacherSettings? Teacher(SoftTargetCrossEntropyTrainer.Options o, TrainingSchema schema)
    {
        if (o.Teacher is not { Weight: > 0 } teacher)
            return null;
        if (teacher.Model is { } model)
        {
            if (model.FeatureCount != schema.FeatureCount)
                throw new ArgumentOutOfRangeException("Teacher.Model", model.FeatureCount,
                    $"The teacher model reads {model.FeatureCount} feature values; the student's feature column '{o.FeatureColumnName}' has {schema.FeatureCount}.");
            if (model.ClassCount != schema.ClassCount)
                throw new ArgumentOutOfRangeException("Teacher.Model", model.ClassCount,
                    $"The teacher model has {model.ClassCount} classes; the label column '{o.LabelColumnName}' has {schema.ClassCount}.");
            for (int k = 0; k < schema.ClassCount; k++)
            {
                if (model.ClassNames[k] != schema.ClassNames[k])
                    throw new ArgumentOutOfRangeException("Teacher.Model", model.ClassNames[k],
                        $"The teacher model's class {k} is '{model.ClassNames[k]}', the label column '{o.LabelColumnName}''s is '{schema.ClassNames[k]}': the classes must be the same, in the same key order.");
            }
            using var stream = new MemoryStream();
            try
            {
                model.ExportOnnx(stream, withLogits: true);
            }
            catch (Exception e) when (e is ObjectDisposedException or NotSupportedException)
            {
                throw new ArgumentException($"Teacher.Model cannot be used as a teacher: {e.Message}", "Teacher.Model", e);
            }
            return new TeacherSettings(stream.ToArray(), Graphs.Blocks.InferenceGraph.Logits, false, teacher.Temperature, teacher.Weight);
        }
        string path = teacher.ModelPath!;
        byte[] bytes;
        Onnx.ModelProto graph;
        try
        {
            bytes = File.ReadAllBytes(path);
            graph = Onnx.ModelProto.Parser.ParseFrom(bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Google.Protobuf.InvalidProtocolBufferException)
        {
            throw new ArgumentException($"Teacher.ModelPath '{path}' cannot be read as an ONNX model: {e.Message}", "Teacher.ModelPath", e);
        }
        // Protobuf reads an empty file (or unrelated bytes) as a model without a graph.
        if (graph.Graph is null || graph.Graph.Output.Count == 0)
            throw new ArgumentException($"Teacher.ModelPath '{path}' holds no ONNX graph with outputs ({bytes.Length} bytes).", "Teacher.ModelPath");
        var outputs = graph.Graph.Output.Select(v => v.Name).ToList();
        string output = teacher.OutputName
            ?? (outputs.Contains(Graphs.Blocks.InferenceGraph.Logits) ? Graphs.Blocks.InferenceGraph.Logits
                : outputs.Contains(Graphs.Blocks.InferenceGraph.Score) ? Graphs.Blocks.InferenceGraph.Score
                : throw new ArgumentOutOfRangeException("Teacher.OutputName", null,
                    $"The teacher '{path}' has neither a 'Logits' nor a 'Score' output (it has {string.Join(", ", outputs)}); set Teacher.OutputName."));
        return new TeacherSettings(bytes, output, teacher.OutputIsProbabilities ?? output == Graphs.Blocks.InferenceGraph.Score, teacher.Temperature, teacher.Weight);
    }

    /// <summary>The mixing, or null when it cannot happen (both α 0, or probability 0): then the run is exactly the run without it.</summary>
    private static MixupSettings? Mixup(SoftTargetCrossEntropyTrainer.Options o, TrainingSchema schema)
    {
        if (o.Mixup is not { } m || m.MixupAlpha <= 0 && m.CutMixAlpha <= 0 || m.Probability <= 0)
            return null;
        if (m.ImageShape is { } shape && (long)shape[0] * shape[1] * shape[2] != schema.FeatureCount)
            throw new ArgumentOutOfRangeException("Mixup.ImageShape", $"[{string.Join(", ", shape)}]",
                $"Mixup.ImageShape [{string.Join(", ", shape)}] holds {(long)shape[0] * shape[1] * shape[2]} values; the feature column '{o.FeatureColumnName}' has {schema.FeatureCount}.");
        return new MixupSettings(m.MixupAlpha, m.CutMixAlpha, m.Probability, m.SwitchProbability, m.ImageShape is null ? null : [.. m.ImageShape]);
    }

    private static BackboneSettings? Backbone(BackboneOptions? options)
    {
        if (options is null)
            return null;
        var bytes = options.Model ?? (options.ModelPath is { } path ? File.ReadAllBytes(path)
            : throw new ArgumentException("Backbone needs Model (bytes) or ModelPath.", nameof(options)));
        return new BackboneSettings(bytes, options.OutputName, options.TrainableLayers, options.LearningRateMultiplier);
    }
}

using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Transforms;

namespace MLNet.SoftTargets.CalibrationExperiment;

/// <summary>One model to train: a head, a length, and hard, smoothed or mixed-up targets.</summary>
/// <param name="Key">File-name stem, e.g. <c>deep-ls</c>.</param>
/// <param name="Regime">The regime's row label, e.g. <c>MLP 784→256→10, 10 ep</c>.</param>
/// <param name="Hidden">Hidden layer widths.</param>
/// <param name="CosineScale">The fixed scale s of a cosine head, or null for a linear last layer.</param>
/// <param name="Epochs">Passes over the training data.</param>
/// <param name="Alpha">Label smoothing α (<c>Uniform</c>); 0 trains on hard targets (no soft-target column).</param>
/// <param name="MixupAlpha">Mixup's Beta(α, α) parameter (the trainer's <see cref="MixupOptions"/>, every batch mixed); 0: no mixup.</param>
/// <param name="TemplatePlane">Draw the template-plane picture for this run.</param>
public sealed record RunSpec(string Key, string Regime, IReadOnlyList<int> Hidden, double? CosineScale, int Epochs, double Alpha, double MixupAlpha,
    bool TemplatePlane)
{
    public string Targets => (Alpha, MixupAlpha) switch
    {
        (0, 0) => "hard",
        (_, 0) => $"LS α={Alpha:0.##}",
        (0, _) => $"mixup α={MixupAlpha:0.##}",
        _ => $"LS α={Alpha:0.##} + mixup α={MixupAlpha:0.##}",
    };
}

/// <summary>What one trained model measured on the test rows.</summary>
public sealed record RunResult
{
    public required RunSpec Spec { get; init; }
    public required CalibrationMetrics Before { get; init; }
    public required CalibrationMetrics AfterTemperature { get; init; }
    public required double Temperature { get; init; }
    public required RepresentationMetrics Representation { get; init; }

    /// <summary>Tightness ratio of the L2-normalised embeddings (directions only; what a cosine head sees).</summary>
    public required double UnitTightness { get; init; }

    public required IReadOnlyList<TrainingProgress> History { get; init; }
    public required double TrainingSeconds { get; init; }
    public TemplatePlaneProjection? Plane { get; init; }

    /// <summary>Mean top-1 confidence − accuracy before temperature scaling: &gt; 0 over-confident, &lt; 0 under-confident.</summary>
    public double ConfidenceGap => MeanConfidence(Before) - Before.Accuracy;

    public static double MeanConfidence(CalibrationMetrics m) =>
        m.Bins.Where(b => b.Count > 0).Sum(b => b.Count * b.MeanConfidence) / m.RowCount;
}

/// <summary>
/// Trains one <see cref="RunSpec"/> with <c>SoftTargetCrossEntropy</c> (CPU, Adam 1e-3, batch 256, seed 42, every
/// core, training set cached; mixup, when the spec asks for it, inside the trainer on each batch of those targets)
/// with the held-out rows as validation data, then measures the test rows: calibration
/// before and after temperature scaling fitted on the held-out rows, and the penultimate representation.
/// </summary>
public sealed class CalibrationRunner(MLContext ml, ExperimentData data, Action<string> log)
{
    private readonly IDataView _train = data.View(ml, data.Train);
    private IDataView? _keyedTrain, _smoothedTrain, _keyedHeldOut, _keyedTest;
    private double _smoothedAlpha = double.NaN;

    public RunResult Run(RunSpec spec)
    {
        var (train, heldOut, test) = Views(spec.Alpha);
        int every = Math.Max(1, spec.Epochs / 10);
        var options = new SoftTargetCrossEntropyTrainer.Options
        {
            LabelColumnName = "Label",
            SoftTargetColumnName = spec.Alpha == 0 ? null : "SoftTarget",
            FeatureColumnName = "Features",
            HiddenLayerSizes = spec.Hidden,
            CosineScale = spec.CosineScale,
            Mixup = spec.MixupAlpha == 0 ? null : new MixupOptions { MixupAlpha = spec.MixupAlpha },
            Optimizer = SoftTargetOptimizer.Adam,
            LearningRate = 1e-3,
            Epochs = spec.Epochs,
            BatchSize = 256,
            Seed = 42,
            Threads = Environment.ProcessorCount,
            Device = TrainingDevice.Cpu,
            CacheData = true,
            OutputEmbedding = true,
            OutputLogits = true,
            Progress = new ProgressSink(p =>
            {
                if (p.Epoch % every == 0 || p.Epoch == spec.Epochs)
                    log($"    epoch {p.Epoch,3}/{spec.Epochs}: train loss {p.TrainingLoss:F4}, held-out NLL {p.ValidationLogLoss:F4}, " +
                        $"acc {p.ValidationAccuracy:F4}, {p.SamplesPerSecond / 1000:F0}k samples/s");
            }),
        };

        var clock = Stopwatch.StartNew();
        var model = ml.MulticlassClassification.Trainers.SoftTargetCrossEntropy(options).Fit(train, heldOut);
        clock.Stop();

        // Scoring goes row by row through ApplyOnnxModel: cache the scored rows once, then every metric reads the cache.
        var scoredTest = ml.Data.Cache(model.Transform(test));
        var scoredHeldOut = ml.Data.Cache(model.Transform(heldOut));
        var before = ml.MulticlassClassification.EvaluateCalibration(scoredTest);
        var temperature = ml.Transforms.CalibrateTemperature().Fit(scoredHeldOut);
        var after = ml.MulticlassClassification.EvaluateCalibration(temperature.Transform(scoredTest));
        var representation = ml.MulticlassClassification.AnalyzeRepresentation(scoredTest);
        var unit = ml.Transforms.NormalizeLpNorm("EmbeddingUnit", "Embedding", LpNormNormalizingEstimatorBase.NormFunction.L2, ensureZeroMean: false)
            .Fit(scoredTest).Transform(scoredTest);
        var unitRepresentation = ml.MulticlassClassification.AnalyzeRepresentation(unit, embeddingColumnName: "EmbeddingUnit", logitsColumnName: null);
        var plane = spec.TemplatePlane ? ml.MulticlassClassification.ProjectOnTemplatePlane(model, scoredTest, data.PlaneClasses) : null;

        return new RunResult
        {
            Spec = spec,
            Before = before,
            AfterTemperature = after,
            Temperature = temperature.Temperature,
            Representation = representation,
            UnitTightness = unitRepresentation.TightnessRatio,
            History = model.History,
            TrainingSeconds = clock.Elapsed.TotalSeconds,
            Plane = plane,
        };
    }

    private (IDataView Train, IDataView HeldOut, IDataView Test) Views(double alpha)
    {
        if (_keyedTrain is null)
        {
            var key = data.LabelKey(ml, _train);
            _keyedTrain = key.Transform(_train);
            _keyedHeldOut = key.Transform(data.View(ml, data.HeldOut));
            _keyedTest = key.Transform(data.View(ml, data.Test));
        }
        if (alpha == 0)
            return (_keyedTrain, _keyedHeldOut!, _keyedTest!);
        if (_smoothedTrain is null || _smoothedAlpha != alpha)
        {
            _smoothedTrain = ml.Transforms.SmoothLabels(alpha, kind: LabelSmoothingKind.Uniform).Fit(_keyedTrain).Transform(_keyedTrain);
            _smoothedAlpha = alpha;
        }
        return (_smoothedTrain, _keyedHeldOut!, _keyedTest!);
    }

    /// <summary>Reports synchronously (<see cref="Progress{T}"/> would post to the thread pool and reorder lines).</summary>
    private sealed class ProgressSink(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}

using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets.Quickstart;

/// <summary>Builds, trains and saves the quickstart's models (Model Builder's "training" file).</summary>
internal static class SoftTargetsModelTraining
{
    /// <summary>A trained model, its training time and its scores on the test rows.</summary>
    public sealed record Trained(string Name, ITransformer Model, double Seconds, IDataView ScoredTest);

    /// <summary>
    /// MapValueToKey(Label) → [SmoothLabels(α)] → SoftTargetCrossEntropy (MLP) → MapKeyToValue(PredictedLabel).
    /// With <paramref name="alpha"/> = null the trainer uses the label's one-hot (hard targets).
    /// </summary>
    public static Trained Train(MLContext ml, QuickstartData data, string name, double? alpha, int epochs, Action<string> progress)
    {
        var options = new SoftTargetCrossEntropyTrainer.Options
        {
            SoftTargetColumnName = alpha is null ? null : "SoftTarget",
            HiddenLayerSizes = [128],
            Epochs = epochs,
            BatchSize = 64,
            LearningRate = 3e-3,
            CacheData = true,
            OutputEmbedding = true,
            Device = TrainingDevice.Auto,
            Progress = new ProgressLine(name, epochs, progress),
            Log = line => progress($"  [{name}] {line}"),
        };
        IEstimator<ITransformer> pipeline = ml.Transforms.Conversion.MapValueToKey("Label", keyData: data.ClassKeyData(ml));
        if (alpha is { } a)
            pipeline = pipeline.Append(ml.Transforms.SmoothLabels(a, kind: LabelSmoothingKind.Uniform));
        pipeline = pipeline
            .Append(ml.MulticlassClassification.Trainers.SoftTargetCrossEntropy(options))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));

        var clock = Stopwatch.StartNew();
        var model = pipeline.Fit(data.View(ml, data.Train));
        clock.Stop();
        return new Trained(name, model, clock.Elapsed.TotalSeconds, model.Transform(data.View(ml, data.Test)));
    }

    /// <summary>
    /// Appends temperature scaling fitted on the held-out rows (never on the test rows) to <paramref name="trained"/>.
    /// </summary>
    public static (Trained Model, double Temperature) Calibrate(MLContext ml, QuickstartData data, Trained trained, string name)
    {
        var clock = Stopwatch.StartNew();
        var calibrator = ml.Transforms.CalibrateTemperature().Fit(trained.Model.Transform(data.View(ml, data.Holdout)));
        var model = new TransformerChain<ITransformer>(trained.Model, calibrator);
        clock.Stop();
        return (new Trained(name, model, trained.Seconds + clock.Elapsed.TotalSeconds, model.Transform(data.View(ml, data.Test))), calibrator.Temperature);
    }

    /// <summary>Saves <paramref name="model"/> as a zip that stock ML.NET can load.</summary>
    public static void Save(MLContext ml, QuickstartData data, ITransformer model, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        ml.Model.Save(model, data.View(ml, data.Train).Schema, path);
    }

    /// <summary>Prints one line per epoch.</summary>
    private sealed class ProgressLine(string name, int epochs, Action<string> write) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p)
        {
            // About six lines per model: every epoch would flood the console on long runs.
            if (p.Epoch % Math.Max(1, epochs / 6) == 0 || p.Epoch == epochs)
                write($"  [{name}] epoch {p.Epoch,3}/{epochs}: loss {p.TrainingLoss:F3}, {p.SamplesPerSecond / 1000:F0}k samples/s");
        }
    }
}

using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.SoftTargets;

namespace MLNet.SoftTargets.Job;

/// <summary>
/// Our trainer, used the way an ML.NET user would: <c>MapValueToKey</c> → <c>SmoothLabels(α, Uniform)</c> →
/// <c>SoftTargetCrossEntropy</c> (Adam, the job's settings, the training set cached in memory as the peers hold
/// theirs), scored with <c>model.Transform</c> (ML.NET's <c>ApplyOnnxModel</c>, row by row). With
/// <paramref name="defaults"/>: <c>SoftTargetCrossEntropy()</c> with no training argument at all (a linear head; only
/// the seed and the job's thread count, which change no default), on the linear cells.
/// </summary>
public sealed class SoftTargetTrainerContestant(bool defaults = false) : IJobContestant
{
    public string Name => defaults ? "MLNet.SoftTargets, default arguments" : "MLNet.SoftTargets (ONNX Runtime CPU)";

    public string Key => defaults ? "ours-defaults" : "ours";

    public bool Supports(ModelKind model, float alpha) => !defaults || model == ModelKind.Linear;

    public JobResult Run(JobData data, ModelKind model, float alpha)
    {
        var ml = new MLContext(seed: data.Settings.Seed);
        var settings = data.Settings;
        var train = View(ml, data.Train);
        var epochSeconds = new List<double>();
        double lastLoss = double.NaN;
        var progress = new ProgressSink(p =>
        {
            epochSeconds.Add(p.EpochSeconds);
            lastLoss = p.TrainingLoss;
        });
        var options = defaults ? new SoftTargetCrossEntropyTrainer.Options { Seed = settings.Seed, Threads = settings.Threads, Progress = progress }
            : new SoftTargetCrossEntropyTrainer.Options
        {
            SoftTargetColumnName = "SoftTarget",
            HiddenLayerSizes = model == ModelKind.Mlp ? [JobSettings.Hidden] : [],
            Optimizer = SoftTargetOptimizer.Adam,
            LearningRate = settings.LearningRate,
            Beta1 = settings.Beta1,
            Beta2 = settings.Beta2,
            Epsilon = settings.Epsilon,
            Epochs = settings.Epochs,
            BatchSize = settings.Batch,
            Seed = settings.Seed,
            Threads = settings.Threads,
            Device = TrainingDevice.Cpu,
            CacheData = true,
            Progress = progress,
        };
        var smoothing = ml.Transforms.SmoothLabels(alpha, kind: LabelSmoothingKind.Uniform).Fit(train);
        var smoothed = smoothing.Transform(train);
        var clock = Stopwatch.StartNew();
        var trained = ml.MulticlassClassification.Trainers.SoftTargetCrossEntropy(options).Fit(smoothed);
        clock.Stop();

        var holdout = Score(trained, View(ml, data.Holdout));
        var testView = View(ml, data.Test);
        Score(trained, testView);
        var times = new List<double>();
        float[] test = [];
        for (int i = 0; i < settings.InferenceRepeats; i++)
        {
            var timer = Stopwatch.StartNew();
            test = Score(trained, testView);
            times.Add(timer.Elapsed.TotalMilliseconds);
        }
        return new JobResult
        {
            EpochSeconds = epochSeconds,
            TrainingSeconds = clock.Elapsed.TotalSeconds,
            HoldoutProbabilities = holdout,
            TestProbabilities = test,
            InferenceMilliseconds = Stats.Median(times),
            FinalTrainingLoss = lastLoss,
            Note = (defaults ? $"no training argument: {trained.History.Count} epochs, stopped by {trained.History[^1].StopReason}; " : "")
                + "training time includes reading the 55k rows into the cache; inference through ML.NET's ApplyOnnxModel (row by row)",
        };
    }

    private static float[] Score(ITransformer model, IDataView data)
    {
        var scored = model.Transform(data);
        var result = new float[(data.GetRowCount() ?? 0) * JobSettings.Classes];
        int row = 0;
        foreach (var score in scored.GetColumn<VBuffer<float>>(scored.Schema["Score"]))
        {
            score.CopyTo(result, row * JobSettings.Classes);
            row++;
        }
        return result;
    }

    private static IDataView View(MLContext ml, JobSplit split)
    {
        var rows = new Row[split.Rows];
        for (int r = 0; r < rows.Length; r++)
            rows[r] = new Row { Features = split.X.AsSpan(r * JobSettings.Features, JobSettings.Features).ToArray(), Label = split.Labels[r] };
        var definition = SchemaDefinition.Create(typeof(Row));
        // LoadFromEnumerable reads a key property as 0-based: class c (0..9) becomes key c + 1.
        definition["Label"].ColumnType = new KeyDataViewType(typeof(uint), JobSettings.Classes);
        return ml.Data.LoadFromEnumerable(rows, definition);
    }

    private sealed class Row
    {
        [VectorType(JobSettings.Features)]
        public float[] Features { get; set; } = [];

        public uint Label { get; set; }
    }

    private sealed class ProgressSink(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}

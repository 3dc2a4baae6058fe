using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets.Job;

/// <summary>
/// ML.NET's own multinomial logistic regression trainers with their defaults: <c>LbfgsMaximumEntropy</c> and
/// <c>SdcaMaximumEntropy</c>. They take hard labels and train only a linear model, so they run the linear, α = 0
/// cell; they have no epochs of the job's kind, so the table shows their total <c>Fit</c> time.
/// </summary>
public sealed class MlNetMaximumEntropyContestant : IJobContestant
{
    private readonly Func<MLContext, IEstimator<ITransformer>> _trainer;

    private MlNetMaximumEntropyContestant(string name, string key, Func<MLContext, IEstimator<ITransformer>> trainer)
    {
        Name = name;
        Key = key;
        _trainer = trainer;
    }

    public static MlNetMaximumEntropyContestant Lbfgs() => new(
        "ML.NET L-BFGS", "lbfgs",
        ml => ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(MlNetViews.LabelColumn, MlNetViews.FeaturesColumn));

    public static MlNetMaximumEntropyContestant Sdca() => new(
        "ML.NET SDCA", "sdca",
        ml => ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(MlNetViews.LabelColumn, MlNetViews.FeaturesColumn));

    public string Name { get; }

    public string Key { get; }

    public bool Supports(ModelKind model, float alpha) => model == ModelKind.Linear && alpha == 0;

    public JobResult Run(JobData data, ModelKind model, float alpha)
    {
        if (!Supports(model, alpha))
            throw new NotSupportedException($"{Name} trains only the linear model on hard labels (α = 0)");

        var ml = new MLContext(seed: data.Settings.Seed);
        // The usual ML.NET practice for multi-pass trainers (and what lets SDCA shuffle): an in-memory cache,
        // filled here, before the clock starts, so that the time is the trainer's own.
        var train = ml.Data.Cache(MlNetViews.Load(ml, data.Train));
        MlNetViews.Fill(train);
        var estimator = _trainer(ml);

        long start = Stopwatch.GetTimestamp();
        var transformer = estimator.Fit(train);
        double trainingSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;

        float[] holdout = MlNetViews.Score(ml, transformer, MlNetViews.Rows(data.Holdout));
        var testRows = MlNetViews.Rows(data.Test);
        float[] test = MlNetViews.Score(ml, transformer, testRows);   // also the untimed warm-up run
        var inference = new List<double>();
        for (int i = 0; i < data.Settings.InferenceRepeats; i++)
        {
            long t = Stopwatch.GetTimestamp();
            test = MlNetViews.Score(ml, transformer, testRows);
            inference.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
        }

        return new JobResult
        {
            EpochSeconds = [],
            TrainingSeconds = trainingSeconds,
            HoldoutProbabilities = holdout,
            TestProbabilities = test,
            InferenceMilliseconds = Stats.Median(inference),
            Note = "ML.NET defaults; training rows cached in memory before timing",
        };
    }
}

/// <summary>One row as ML.NET reads it: <c>Features</c> (784 floats) and <c>Label</c>, a <c>Key&lt;UInt32, 10&gt;</c>.</summary>
/// <remarks>
/// <c>Label</c> holds the class 0..9 itself: <c>LoadFromEnumerable</c> reads a <c>[KeyType]</c> property as 0-based
/// (it stores key <c>v + 1</c>, 0 being "missing"), although a cursor over the column then returns the 1-based raw
/// value. Storing <c>class + 1</c> here shifts every label by one (checked: accuracy 0.009).
/// </remarks>
public sealed class MlNetInputRow
{
    [VectorType(JobSettings.Features)]
    public float[] Features { get; set; } = [];

    [KeyType(JobSettings.Classes)]
    public uint Label { get; set; }
}

/// <summary>
/// The splits as ML.NET data views, and the probability matrix read back from a scored view — for the ML.NET
/// peers and for any contestant that trains through ML.NET.
/// </summary>
public static class MlNetViews
{
    public const string FeaturesColumn = "Features";
    public const string LabelColumn = "Label";
    public const string ScoreColumn = "Score";

    /// <summary>The rows of <paramref name="split"/>, materialised (the copy is data loading, not training or inference).</summary>
    public static List<MlNetInputRow> Rows(JobSplit split)
    {
        const int f = JobSettings.Features;
        var rows = new List<MlNetInputRow>(split.Rows);
        for (int r = 0; r < split.Rows; r++)
            rows.Add(new MlNetInputRow { Features = split.X.AsSpan(r * f, f).ToArray(), Label = split.Labels[r] });
        return rows;
    }

    /// <summary>An in-memory view of <paramref name="split"/>: <c>Features</c> <c>Vector&lt;Single, 784&gt;</c>, <c>Label</c> <c>Key&lt;UInt32, 10&gt;</c>.</summary>
    public static IDataView Load(MLContext ml, JobSplit split) => ml.Data.LoadFromEnumerable(Rows(split));

    /// <summary>Reads every row of every column once (fills a cache view).</summary>
    public static void Fill(IDataView view)
    {
        using var cursor = view.GetRowCursor(view.Schema);
        var features = cursor.GetGetter<VBuffer<float>>(view.Schema[FeaturesColumn]);
        var label = cursor.GetGetter<uint>(view.Schema[LabelColumn]);
        VBuffer<float> x = default;
        uint y = 0;
        while (cursor.MoveNext())
        {
            features(ref x);
            label(ref y);
        }
    }

    /// <summary>
    /// Scores <paramref name="rows"/> with <paramref name="transformer"/> and returns the <c>Score</c> column as a
    /// row-major <c>[rows, 10]</c> matrix; slot <c>k</c> of <c>Score</c> is key <c>k + 1</c>, i.e. class <c>k</c>.
    /// </summary>
    public static float[] Score(MLContext ml, ITransformer transformer, IReadOnlyList<MlNetInputRow> rows)
    {
        const int k = JobSettings.Classes;
        var scored = transformer.Transform(ml.Data.LoadFromEnumerable(rows));
        var column = scored.Schema[ScoreColumn];
        var result = new float[rows.Count * k];
        using var cursor = scored.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        VBuffer<float> score = default;
        int r = 0;
        while (cursor.MoveNext())
        {
            getter(ref score);
            if (score.Length != k)
                throw new InvalidOperationException($"Score has {score.Length} slots, {k} expected");
            score.CopyTo(result.AsSpan(r * k, k));   // densifies
            r++;
        }
        if (r != rows.Count)
            throw new InvalidOperationException($"scored {r} rows, {rows.Count} expected");
        return result;
    }
}

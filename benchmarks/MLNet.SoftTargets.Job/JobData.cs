
namespace MLNet.SoftTargets.Job;

/// <summary>The fixed hyper-parameters of the job (README.md, "The job"); only the epochs can change.</summary>
public sealed record JobSettings
{
    public const int Features = 784;
    public const int Classes = 10;
    public const int Hidden = 256;

    public int Epochs { get; init; } = 10;
    public int Batch { get; init; } = 256;
    public int Seed { get; init; } = 42;
    public int Threads { get; init; } = 2;
    public double LearningRate { get; init; } = 1e-3;
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.999;
    public double Epsilon { get; init; } = 1e-8;

    /// <summary>Inference is timed this many times after one untimed run; the median is reported.</summary>
    public int InferenceRepeats { get; init; } = 5;
}

/// <summary>The models of the job.</summary>
public enum ModelKind
{
    /// <summary>(A) linear 784 → 10 (multinomial logistic regression).</summary>
    Linear,

    /// <summary>(B) MLP 784 → 256 ReLU → 10.</summary>
    Mlp,
}

/// <summary>One split: pixels row-major <c>[Rows, 784]</c> scaled to [0,1], labels 0..9.</summary>
public sealed class JobSplit(string name, float[] x, byte[] labels)
{
    public string Name { get; } = name;
    public float[] X { get; } = x;
    public byte[] Labels { get; } = labels;
    public int Rows => Labels.Length;

    /// <summary>The <c>Uniform</c> soft targets <c>(1-α)·onehot + α/K</c>, row-major <c>[Rows, 10]</c>.</summary>
    public float[] SoftTargets(float alpha)
    {
        const int k = JobSettings.Classes;
        float off = alpha / k;
        float on = 1f - alpha + off;
        var q = new float[Rows * k];
        for (int r = 0; r < Rows; r++)
        {
            q.AsSpan(r * k, k).Fill(off);
            q[r * k + Labels[r]] = on;
        }
        return q;
    }
}

/// <summary>
/// Fashion-MNIST cut as the job says: train on the first 55,000 train rows, hold out the last 5,000 (temperature
/// fitting), test on the 10,000 test rows. Every contestant gets the same instance.
/// </summary>
public sealed class JobData
{
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";
    public const int TrainRows = 55_000;
    public const int HoldoutRows = 5_000;
    public const int TestRows = 10_000;

    private JobData(JobSettings settings, JobSplit train, JobSplit holdout, JobSplit test, string source)
    {
        Settings = settings;
        Train = train;
        Holdout = holdout;
        Test = test;
        Source = source;
    }

    public JobSettings Settings { get; }
    public JobSplit Train { get; }
    public JobSplit Holdout { get; }
    public JobSplit Test { get; }

    /// <summary>Where the rows came from, for the report.</summary>
    public string Source { get; }

    /// <summary>
    /// Loads the splits from <paramref name="directory"/> (IDX, gzip). <paramref name="trainRows"/> below 55,000
    /// (the quick mode) trains on the first rows only; the held-out and test rows are always the full ones.
    /// </summary>
    public static JobData Load(string directory, JobSettings settings, int trainRows = TrainRows)
    {
        if (trainRows < 1 || trainRows > TrainRows)
            throw new ArgumentOutOfRangeException(nameof(trainRows), trainRows, $"must be 1..{TrainRows}");
        var (all, testSet) = MLNet.SoftTargets.Datasets.FashionMnist.Load(directory);
        const int total = TrainRows + HoldoutRows;
        if (all.Rows < total || testSet.Rows < TestRows)
            throw new InvalidDataException($"{directory}: {all.Rows} training and {testSet.Rows} test images; {total} and {TestRows} needed.");
        const int f = JobSettings.Features;
        var train = new JobSplit("train", all.Pixels.AsSpan(0, trainRows * f).ToArray(), all.Labels.AsSpan(0, trainRows).ToArray());
        var holdout = new JobSplit("holdout", all.Pixels.AsSpan(TrainRows * f, HoldoutRows * f).ToArray(), all.Labels.AsSpan(TrainRows, HoldoutRows).ToArray());
        var test = new JobSplit("test", testSet.Pixels.AsSpan(0, TestRows * f).ToArray(), testSet.Labels.AsSpan(0, TestRows).ToArray());

        string source = $"Fashion-MNIST ({directory}): train = train rows 0..{trainRows - 1}, " +
                        $"held out = train rows {TrainRows}..{total - 1}, test = the {TestRows:N0} test rows; pixels / 255";
        return new JobData(settings, train, holdout, test, source);
    }

    /// <summary>
    /// The same held-out and test rows with only the first <paramref name="trainRows"/> training rows and other
    /// settings: the untimed warm-up runs use it.
    /// </summary>
    public JobData WithTrainSubset(int trainRows, JobSettings settings)
    {
        if (trainRows < 1 || trainRows > Train.Rows)
            throw new ArgumentOutOfRangeException(nameof(trainRows), trainRows, $"must be 1..{Train.Rows}");
        var train = new JobSplit(Train.Name, Train.X.AsSpan(0, trainRows * JobSettings.Features).ToArray(),
                                 Train.Labels.AsSpan(0, trainRows).ToArray());
        return new JobData(settings, train, Holdout, Test, $"{Source} (first {trainRows:N0} training rows only)");
    }
}

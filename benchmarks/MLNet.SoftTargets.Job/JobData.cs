using System.Buffers.Binary;
using System.IO.Compression;

namespace MLNet.SoftTargets.Job;

/// <summary>The fixed hyper-parameters of the job (DESIGN.md, "Benchmark job"); only the epochs can change.</summary>
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
        string trainImages = Path.Combine(directory, "train-images-idx3-ubyte.gz");
        string trainLabels = Path.Combine(directory, "train-labels-idx1-ubyte.gz");
        string testImages = Path.Combine(directory, "t10k-images-idx3-ubyte.gz");
        string testLabels = Path.Combine(directory, "t10k-labels-idx1-ubyte.gz");
        foreach (string file in new[] { trainImages, trainLabels, testImages, testLabels })
            if (!File.Exists(file))
                throw new FileNotFoundException(
                    $"{file} not found (apt-get install dataset-fashion-mnist, or pass --data DIR)", file);

        const int total = TrainRows + HoldoutRows;
        float[] x = ReadImages(trainImages, total);
        byte[] y = ReadLabels(trainLabels, total);
        const int f = JobSettings.Features;
        var train = new JobSplit("train", x.AsSpan(0, trainRows * f).ToArray(), y.AsSpan(0, trainRows).ToArray());
        var holdout = new JobSplit("holdout", x.AsSpan(TrainRows * f).ToArray(), y.AsSpan(TrainRows).ToArray());
        var test = new JobSplit("test", ReadImages(testImages, TestRows), ReadLabels(testLabels, TestRows));

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

    /// <summary>IDX3 (magic 0x00000803, big-endian count, rows, cols, then one byte per pixel); the first <paramref name="rows"/>.</summary>
    private static float[] ReadImages(string path, int rows)
    {
        using var stream = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        Span<byte> header = stackalloc byte[16];
        stream.ReadExactly(header);
        if (BinaryPrimitives.ReadInt32BigEndian(header) != 0x00000803)
            throw new InvalidDataException($"{path} is not an IDX3 image file");
        int count = BinaryPrimitives.ReadInt32BigEndian(header[4..]);
        int height = BinaryPrimitives.ReadInt32BigEndian(header[8..]);
        int width = BinaryPrimitives.ReadInt32BigEndian(header[12..]);
        if (height * width != JobSettings.Features)
            throw new InvalidDataException($"{path} has {height}×{width} images, {JobSettings.Features} pixels expected");
        if (count < rows)
            throw new InvalidDataException($"{path} has {count} images, {rows} needed");

        var raw = new byte[rows * JobSettings.Features];
        stream.ReadExactly(raw);
        var pixels = new float[raw.Length];
        for (int i = 0; i < raw.Length; i++)
            pixels[i] = raw[i] / 255f;
        return pixels;
    }

    /// <summary>IDX1 (magic 0x00000801, big-endian count, then one byte per label); the first <paramref name="rows"/>.</summary>
    private static byte[] ReadLabels(string path, int rows)
    {
        using var stream = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        Span<byte> header = stackalloc byte[8];
        stream.ReadExactly(header);
        if (BinaryPrimitives.ReadInt32BigEndian(header) != 0x00000801)
            throw new InvalidDataException($"{path} is not an IDX1 label file");
        int count = BinaryPrimitives.ReadInt32BigEndian(header[4..]);
        if (count < rows)
            throw new InvalidDataException($"{path} has {count} labels, {rows} needed");
        var labels = new byte[rows];
        stream.ReadExactly(labels);
        foreach (byte label in labels)
            if (label >= JobSettings.Classes)
                throw new InvalidDataException($"{path} has a label {label} ≥ {JobSettings.Classes}");
        return labels;
    }
}

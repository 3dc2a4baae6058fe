using System.Buffers.Binary;
using System.IO.Compression;

namespace MLNet.SoftTargets.TrainStep;

/// <summary>One batch, already laid out the way <see cref="ITrainStepContestant.Step"/> takes it.</summary>
public sealed record Batch(float[] X, float[] Q, int Rows);

/// <summary>The training rows cut into batches once, so that the timed loop does no copying of its own.</summary>
public sealed class TrainingData
{
    public const string DefaultFashionMnistDirectory = "/usr/share/datasets/fashion-mnist";
    private const string ImagesFile = "train-images-idx3-ubyte.gz";
    private const string LabelsFile = "train-labels-idx1-ubyte.gz";

    private TrainingData(IReadOnlyList<Batch> batches, int rows, string source, bool isReal)
    {
        Batches = batches;
        Rows = rows;
        Source = source;
        IsReal = isReal;
    }

    /// <summary>One epoch: ⌈rows / batch⌉ batches in order; the last one may be partial.</summary>
    public IReadOnlyList<Batch> Batches { get; }

    public int Rows { get; }

    /// <summary>Where the rows came from, for the report.</summary>
    public string Source { get; }

    /// <summary>False when the data is the deterministic random stand-in.</summary>
    public bool IsReal { get; }

    /// <summary>
    /// Fashion-MNIST train rows 0..<paramref name="rows"/>-1 from <paramref name="directory"/> (IDX, gzip),
    /// pixels scaled to [0,1]; when the files are absent, deterministic random data of the same shape.
    /// Soft targets are <c>(1-α)·onehot + α/K</c> with <see cref="TrainStepJob.Alpha"/>.
    /// </summary>
    public static TrainingData Load(string directory, int rows, int batch)
    {
        string images = Path.Combine(directory, ImagesFile);
        string labels = Path.Combine(directory, LabelsFile);
        const int features = TrainStepJob.InputSize;

        float[] x;
        byte[] y;
        string source;
        bool isReal;
        if (File.Exists(images) && File.Exists(labels))
        {
            (x, int available) = ReadIdxImages(images, rows, features);
            y = ReadIdxLabels(labels, rows);
            if (available < rows)
                throw new InvalidDataException($"{images} has {available} rows, {rows} needed");
            source = $"Fashion-MNIST train rows 0..{rows - 1} ({images}, {labels})";
            isReal = true;
        }
        else
        {
            // The benchmark measures speed, which does not depend on the values; say loudly that they are fake.
            var random = new Random(TrainStepJob.Seed);
            x = new float[rows * features];
            for (int i = 0; i < x.Length; i++)
                x[i] = random.Next(256) / 255f;
            y = new byte[rows];
            for (int i = 0; i < rows; i++)
                y[i] = (byte)random.Next(TrainStepJob.Classes);
            source = $"RANDOM DATA (seed {TrainStepJob.Seed}, {rows}×{features}, pixels k/255, uniform labels): " +
                     $"{ImagesFile} / {LabelsFile} not found in {directory} " +
                     "(apt-get install dataset-fashion-mnist, or pass --data DIR)";
            isReal = false;
        }

        return new TrainingData(Slice(x, y, rows, batch), rows, source, isReal);
    }

    private static List<Batch> Slice(float[] x, byte[] y, int rows, int batch)
    {
        const int features = TrainStepJob.InputSize;
        const int classes = TrainStepJob.Classes;
        const float off = TrainStepJob.Alpha / classes;
        const float on = 1f - TrainStepJob.Alpha + off;

        var batches = new List<Batch>();
        for (int start = 0; start < rows; start += batch)
        {
            int n = Math.Min(batch, rows - start);
            var bx = new float[n * features];
            Array.Copy(x, start * features, bx, 0, bx.Length);
            var bq = new float[n * classes];
            for (int r = 0; r < n; r++)
            {
                bq.AsSpan(r * classes, classes).Fill(off);
                bq[r * classes + y[start + r]] = on;
            }
            batches.Add(new Batch(bx, bq, n));
        }
        return batches;
    }

    /// <summary>IDX3 (magic 0x00000803, big-endian count, rows, cols, then one byte per pixel).</summary>
    private static (float[] Pixels, int Available) ReadIdxImages(string path, int wanted, int features)
    {
        using var stream = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        Span<byte> header = stackalloc byte[16];
        stream.ReadExactly(header);
        if (BinaryPrimitives.ReadInt32BigEndian(header) != 0x00000803)
            throw new InvalidDataException($"{path} is not an IDX3 image file");
        int count = BinaryPrimitives.ReadInt32BigEndian(header[4..]);
        int height = BinaryPrimitives.ReadInt32BigEndian(header[8..]);
        int width = BinaryPrimitives.ReadInt32BigEndian(header[12..]);
        if (height * width != features)
            throw new InvalidDataException($"{path} has {height}×{width} images, {features} pixels expected");

        int rows = Math.Min(wanted, count);
        var raw = new byte[rows * features];
        stream.ReadExactly(raw);
        var pixels = new float[raw.Length];
        for (int i = 0; i < raw.Length; i++)
            pixels[i] = raw[i] / 255f;
        return (pixels, rows);
    }

    /// <summary>IDX1 (magic 0x00000801, big-endian count, then one byte per label).</summary>
    private static byte[] ReadIdxLabels(string path, int wanted)
    {
        using var stream = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        Span<byte> header = stackalloc byte[8];
        stream.ReadExactly(header);
        if (BinaryPrimitives.ReadInt32BigEndian(header) != 0x00000801)
            throw new InvalidDataException($"{path} is not an IDX1 label file");
        int count = BinaryPrimitives.ReadInt32BigEndian(header[4..]);
        if (count < wanted)
            throw new InvalidDataException($"{path} has {count} labels, {wanted} needed");
        var labels = new byte[wanted];
        stream.ReadExactly(labels);
        foreach (byte label in labels)
            if (label >= TrainStepJob.Classes)
                throw new InvalidDataException($"{path} has a label {label} ≥ {TrainStepJob.Classes}");
        return labels;
    }
}

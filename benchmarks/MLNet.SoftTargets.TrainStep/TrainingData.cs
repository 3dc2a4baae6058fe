
namespace MLNet.SoftTargets.TrainStep;

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
            var set = MLNet.SoftTargets.Datasets.FashionMnist.Read(images, labels);
            if (set.Rows < rows)
                throw new InvalidDataException($"{images} has {set.Rows} rows, {rows} needed");
            x = set.Pixels.AsSpan(0, rows * features).ToArray();
            y = set.Labels.AsSpan(0, rows).ToArray();
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

        return new TrainingData(Batch.Cut(x, y, rows, batch, features, TrainStepJob.Classes, TrainStepJob.Alpha), rows, source, isReal);
    }
}

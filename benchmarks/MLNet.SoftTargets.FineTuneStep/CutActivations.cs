using System.Diagnostics;
using MLNet.SoftTargets.Datasets;
using MLNet.SoftTargets.FineTuning;
using MLNet.SoftTargets.TrainStep;

namespace MLNet.SoftTargets.FineTuneStep;

/// <summary>
/// The cached cut activations [rows, 512·7·7] both contestants train on, cut into batches once: Fashion-MNIST train
/// images run through the frozen part of ResNet18 (the library's <c>BackboneTop.Featurizer</c>, as the trainer's
/// bottleneck cache does), or seeded random non-negative values of the same shape. Targets are
/// <c>(1-α)·onehot + α/K</c> of the labels (random labels with random data).
/// </summary>
internal sealed record CutActivations(IReadOnlyList<Batch> Batches, string Source, bool IsReal)
{
    private const string ImagesFile = "train-images-idx3-ubyte.gz";
    private const string LabelsFile = "train-labels-idx1-ubyte.gz";

    public static CutActivations Load(BlockNetwork network, int rows, bool random, string directory)
    {
        int cutSize = network.Network.InputSize;
        string images = Path.Combine(directory, ImagesFile), labels = Path.Combine(directory, LabelsFile);
        var x = new float[rows * cutSize];
        var y = new byte[rows];
        if (!random && File.Exists(images) && File.Exists(labels))
        {
            var set = FashionMnist.Read(images, labels);
            if (set.Rows < rows)
                throw new InvalidDataException($"{images} has {set.Rows} rows, {rows} needed");
            var input = new ResNetInput(FineTuneJob.PreprocessPath);
            var clock = Stopwatch.StartNew();
            const int chunk = 32;
            var raw = new float[chunk * ResNetInput.Size];
            using var featurizer = network.CreateFeaturizer();
            for (int start = 0; start < rows; start += chunk)
            {
                int n = Math.Min(chunk, rows - start);
                for (int r = 0; r < n; r++)
                    input.Preprocess(set.Pixels.AsSpan((start + r) * set.PixelCount, set.PixelCount)).CopyTo(raw, r * ResNetInput.Size);
                featurizer.Run(raw, n, x.AsSpan(start * cutSize, n * cutSize));
            }
            set.Labels.AsSpan(0, rows).CopyTo(y);
            string source = $"real cut activations: Fashion-MNIST train images 0..{rows - 1} ({images}) → 224×224 BGR minus the mean image → " +
                            $"the frozen part of ResNet18 up to {network.Top.CutName} (BackboneTop.Featurizer, {clock.Elapsed.TotalSeconds:F1} s); " +
                            $"{Fraction(x, v => v == 0):P1} of the values are 0 (ReLU), mean {x.Average():F3}";
            return new CutActivations(Batch.Cut(x, y, rows, FineTuneJob.Batch, cutSize, FineTuneJob.Classes, FineTuneJob.Alpha), source, true);
        }

        // The step's cost does not depend on the values; ReLU outputs are non-negative and about half zero.
        var rng = new Random(FineTuneJob.Seed);
        for (int i = 0; i < x.Length; i++)
            x[i] = rng.NextDouble() < 0.5 ? 0f : (float)(-Math.Log(1 - rng.NextDouble()));
        for (int i = 0; i < rows; i++)
            y[i] = (byte)rng.Next(FineTuneJob.Classes);
        string why = random ? "--random-data" : $"{ImagesFile} / {LabelsFile} not found in {directory}";
        return new CutActivations(Batch.Cut(x, y, rows, FineTuneJob.Batch, cutSize, FineTuneJob.Classes, FineTuneJob.Alpha),
            $"RANDOM cut activations ({why}): seed {FineTuneJob.Seed}, {rows}×{cutSize}, half 0, half Exp(1); uniform labels", false);
    }

    private static double Fraction(float[] values, Func<float, bool> predicate) => values.Count(predicate) / (double)values.Length;
}

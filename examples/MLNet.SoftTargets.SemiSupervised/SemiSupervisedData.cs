using MLNet.SoftTargets.Datasets;

namespace MLNet.SoftTargets.SemiSupervised;

/// <summary>
/// The fixed splits of one data set — a training split (to be divided into labelled and unlabelled rows), a held-out
/// validation split and a test split — with pixels scaled to [0, 1].
/// </summary>
public sealed class SemiSupervisedData
{
    public const int FashionTrainRows = 55_000;
    public const int FashionValidationRows = 5_000;

    private SemiSupervisedData(string name, string description, string[] classNames, ImageSet train, ImageSet validation, ImageSet test)
    {
        Name = name;
        Description = description;
        ClassNames = classNames;
        Train = train;
        Validation = validation;
        Test = test;
    }

    /// <summary>"digits" or "Fashion-MNIST".</summary>
    public string Name { get; }

    /// <summary>Where the rows came from and how they were split, for the report.</summary>
    public string Description { get; }

    /// <summary>The class names in label order.</summary>
    public string[] ClassNames { get; }

    /// <summary>The training split: a few of its rows keep their labels, the rest are used without them.</summary>
    public ImageSet Train { get; }

    /// <summary>Held out, labelled: picks the model to save (never trained on).</summary>
    public ImageSet Validation { get; }

    /// <summary>The rows every table reports on.</summary>
    public ImageSet Test { get; }

    public int FeatureCount => Train.PixelCount;

    public int ClassCount => ClassNames.Length;

    /// <summary>The embedded UCI digits (1,797 rows of 8×8), shuffled with seed 42: 60 % train, 20 % validation, 20 % test; pixels / 16.</summary>
    public static SemiSupervisedData Digits()
    {
        var (train, heldOut, test, total) = DigitsSplit.Load(seed: 42);
        string description = $"UCI handwritten digits (embedded, {total:N0} rows of 8×8), shuffled with seed 42: " +
                             $"train {train.Rows:N0} / validation {heldOut.Rows:N0} / test {test.Rows:N0}; pixels / 16";
        return new SemiSupervisedData("digits", description, DigitsDataset.ClassNames,
            train, heldOut, test);
    }

    /// <summary>
    /// Fashion-MNIST from <paramref name="directory"/>: train = the first 55,000 training images, validation = the last
    /// 5,000, test = the 10,000 test images (the benchmark job's split); pixels / 255.
    /// </summary>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="InvalidDataException">A file is malformed or too short.</exception>
    public static SemiSupervisedData FashionMnistFrom(string directory)
    {
        var (all, test) = FashionMnist.Load(directory);
        if (all.Rows < FashionTrainRows + FashionValidationRows)
            throw new InvalidDataException($"{Path.Combine(directory, FashionMnist.TrainImagesFile)} holds {all.Rows} images; {FashionTrainRows + FashionValidationRows} needed.");
        string description = $"Fashion-MNIST ({directory}): train = training images 0..{FashionTrainRows - 1} ({FashionTrainRows:N0}), " +
                             $"validation = training images {FashionTrainRows}..{FashionTrainRows + FashionValidationRows - 1} ({FashionValidationRows:N0}), " +
                             $"test = the {test.Rows:N0} test images; pixels / 255";
        return new SemiSupervisedData("Fashion-MNIST", description, FashionMnist.ClassNames,
            all.Slice(0, FashionTrainRows), all.Slice(FashionTrainRows, FashionValidationRows), test);
    }

    /// <summary>The rows of <paramref name="set"/> as model inputs, with their class names as labels.</summary>
    public IEnumerable<SemiSupervisedModel.ModelInput> Inputs(ImageSet set) =>
        Enumerable.Range(0, set.Rows).Select(i => new SemiSupervisedModel.ModelInput { Features = set.Image(i), Label = ClassNames[set.Labels[i]] });

    /// <summary>
    /// Splits the training rows: after a shuffle with <paramref name="seed"/>, the first <paramref name="perClass"/> rows of
    /// each class keep their labels; of the rest, the first <paramref name="maxUnlabelled"/> (all when null) are the
    /// unlabelled rows.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A class has no more than <paramref name="perClass"/> training rows.</exception>
    public LabelledSplit SplitLabelled(int perClass, int seed, int? maxUnlabelled)
    {
        var order = Enumerable.Range(0, Train.Rows).ToArray();
        new Random(seed).Shuffle(order);
        var taken = new int[ClassCount];
        var labelled = new List<int>();
        var unlabelled = new List<int>();
        foreach (int row in order)
        {
            int label = Train.Labels[row];
            if (taken[label] < perClass)
            {
                taken[label]++;
                labelled.Add(row);
            }
            else if (maxUnlabelled is null || unlabelled.Count < maxUnlabelled)
            {
                unlabelled.Add(row);
            }
        }
        int smallest = Enumerable.Range(0, ClassCount).MinBy(k => Train.Labels.Count(l => l == k));
        int available = Train.Labels.Count(l => l == smallest);
        if (available <= perClass)
            throw new ArgumentOutOfRangeException(nameof(perClass), perClass,
                $"--labelled-per-class {perClass}: class '{ClassNames[smallest]}' has only {available} training rows in {Name}, so at most {available - 1} per class can keep their labels.");
        return new LabelledSplit([.. labelled], [.. unlabelled]);
    }
}

/// <summary>Indices into <see cref="SemiSupervisedData.Train"/>: the rows that keep their labels and the rows used without them.</summary>
public sealed record LabelledSplit(int[] Labelled, int[] Unlabelled);

using Microsoft.ML;
using MLNet.SoftTargets.Datasets;

namespace MLNet.SoftTargets.Distillation;

/// <summary>The three splits: train (teachers and students), held out (choosing T in the sweep), test (every reported number).</summary>
public sealed class DistillationData
{
    public const int FashionTrainRows = 55_000;
    public const int FashionHeldOutRows = 5_000;

    private DistillationData(string description, string shortName, string[] classNames, ImageSet train, ImageSet heldOut, ImageSet test, int defaultEpochs)
    {
        DefaultEpochs = defaultEpochs;
        Description = description;
        ShortName = shortName;
        ClassNames = classNames;
        Train = train;
        HeldOut = heldOut;
        Test = test;
    }

    /// <summary>Where the rows came from and how they were split, for the report.</summary>
    public string Description { get; }

    /// <summary>"Fashion-MNIST" or "digits".</summary>
    public string ShortName { get; }

    /// <summary>The class names in label order 0..K-1.</summary>
    public string[] ClassNames { get; }

    public ImageSet Train { get; }

    /// <summary>Epochs when --epochs is not given: about 2,000 Adam steps of batch 256 for either data set.</summary>
    public int DefaultEpochs { get; }

    public ImageSet HeldOut { get; }

    public ImageSet Test { get; }

    /// <summary>
    /// Fashion-MNIST: train on the first <paramref name="trainRows"/> of the 60,000 training images, hold out the last
    /// 5,000, test on the 10,000 test images (the split of the benchmark job and the calibration experiment).
    /// </summary>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="InvalidDataException">A file is malformed or too short.</exception>
    public static DistillationData FashionMnistFrom(string directory, int trainRows = FashionTrainRows)
    {
        var (all, test) = FashionMnist.Load(directory);
        if (all.Rows < FashionTrainRows + FashionHeldOutRows)
            throw new InvalidDataException($"{Path.Combine(directory, FashionMnist.TrainImagesFile)} holds {all.Rows} images; {FashionTrainRows + FashionHeldOutRows} needed.");
        string description = $"Fashion-MNIST ({directory}): train = training images 0..{trainRows - 1} ({trainRows:N0}), " +
                             $"held out = training images {FashionTrainRows}..{FashionTrainRows + FashionHeldOutRows - 1} ({FashionHeldOutRows:N0}), " +
                             $"test = the {test.Rows:N0} test images; pixels / 255";
        return new DistillationData(description, "Fashion-MNIST", FashionMnist.ClassNames,
            all.Slice(0, trainRows), all.Slice(FashionTrainRows, FashionHeldOutRows), test, defaultEpochs: 10);
    }

    /// <summary>The embedded UCI digits, shuffled with seed 42 and split 60 % train / 20 % held out / 20 % test; pixels / 16.</summary>
    /// <exception cref="InvalidDataException">The embedded resource is missing or malformed.</exception>
    public static DistillationData Digits()
    {
        var (train, heldOut, test, total) = DigitsSplit.Load(seed: 42);
        string description = $"UCI handwritten digits (embedded, {total:N0} images of 8×8), shuffled with seed 42: " +
                             $"train {train.Rows:N0} / held out {heldOut.Rows:N0} / test {test.Rows:N0}; pixels / 16";
        return new DistillationData(description, "digits", DigitsDataset.ClassNames,
            train, heldOut, test, defaultEpochs: 100);
    }

    /// <summary>Row <paramref name="row"/> of <paramref name="set"/> as the consumption code's input.</summary>
    public DistilledStudent.ModelInput Input(ImageSet set, int row) =>
        new() { Features = set.Image(row), Label = ClassNames[set.Labels[row]] };

    /// <summary><paramref name="set"/> as a view of <see cref="DistilledStudent.ModelInput"/> rows (made on demand).</summary>
    public IDataView View(MLContext mlContext, ImageSet set) =>
        mlContext.Data.LoadFromEnumerable(Enumerable.Range(0, set.Rows).Select(i => Input(set, i)),
            DistilledStudent.ModelInput.SchemaDefinitionFor(set.PixelCount));

    /// <summary>The one-column view <c>MapValueToKey</c> takes as key data, so key order is label order.</summary>
    public IDataView ClassNamesView(MLContext mlContext) =>
        mlContext.Data.LoadFromEnumerable(ClassNames.Select(n => new ClassName { Label = n }));

    private sealed class ClassName
    {
        public string Label { get; set; } = "";
    }
}

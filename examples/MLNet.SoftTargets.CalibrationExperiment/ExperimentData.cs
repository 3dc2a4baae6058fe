using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.SoftTargets.Datasets;

namespace MLNet.SoftTargets.CalibrationExperiment;

/// <summary>
/// The three splits as ML.NET data views with a <c>Features</c> vector and a key <c>Label</c> whose key values are the
/// class names (so the trained model's <c>ClassNames</c> and the plots name the classes).
/// </summary>
public sealed class ExperimentData
{
    public const int FashionTrainRows = 55_000;
    public const int FashionHeldOutRows = 5_000;

    private ExperimentData(string description, string shortName, string[] classNames, ImageSet train, ImageSet heldOut, ImageSet test, int[] planeClasses)
    {
        Description = description;
        ShortName = shortName;
        ClassNames = classNames;
        Train = train;
        HeldOut = heldOut;
        Test = test;
        PlaneClasses = planeClasses;
    }

    /// <summary>Where the rows came from and how they were split, for the report.</summary>
    public string Description { get; }

    /// <summary>"Fashion-MNIST" or "digits".</summary>
    public string ShortName { get; }

    public string[] ClassNames { get; }

    public ImageSet Train { get; }

    /// <summary>Held out from training: validation curves and the temperature fit.</summary>
    public ImageSet HeldOut { get; }

    public ImageSet Test { get; }

    public int FeatureCount => Train.PixelCount;

    /// <summary>True for the embedded digits (a few steps per epoch).</summary>
    public bool IsSmall => Train.Rows < 10_000;

    /// <summary>Three visually distinct classes for the template-plane pictures (0-based).</summary>
    public int[] PlaneClasses { get; }

    /// <summary>
    /// Fashion-MNIST: train on the first 55,000 training images (or the first <paramref name="trainRows"/> of them),
    /// hold out the last 5,000, test on the 10,000 test images — the benchmark job's split.
    /// </summary>
    public static ExperimentData FashionMnistFrom(string directory, int trainRows = FashionTrainRows)
    {
        var (all, test) = FashionMnist.Load(directory);
        if (all.Rows < FashionTrainRows + FashionHeldOutRows)
            throw new InvalidDataException($"{Path.Combine(directory, FashionMnist.TrainImagesFile)} holds {all.Rows} images; {FashionTrainRows + FashionHeldOutRows} needed.");
        var train = all.Slice(0, trainRows);
        var heldOut = all.Slice(FashionTrainRows, FashionHeldOutRows);
        string description = $"Fashion-MNIST ({directory}): train = training images 0..{trainRows - 1} ({trainRows:N0}), " +
                             $"held out = training images {FashionTrainRows}..{FashionTrainRows + FashionHeldOutRows - 1} ({FashionHeldOutRows:N0}), " +
                             $"test = the {test.Rows:N0} test images; pixels / 255";
        // T-shirt/top, Trouser, Sneaker: three shapes that look nothing alike.
        return new ExperimentData(description, "Fashion-MNIST", FashionMnist.ClassNames, train, heldOut, test, [0, 1, 7]);
    }

    /// <summary>The embedded UCI digits, shuffled with seed 42 and split 60 % train / 20 % held out / 20 % test; pixels / 16.</summary>
    public static ExperimentData Digits()
    {
        var (train, heldOut, test, total) = DigitsSplit.Load(seed: 42);
        string description = $"UCI handwritten digits (embedded, {total:N0} rows of 8×8), shuffled with seed 42: " +
                             $"train {train.Rows:N0} / held out {heldOut.Rows:N0} / test {test.Rows:N0}; pixels / 16";
        return new ExperimentData(description, "digits", DigitsDataset.ClassNames, train, heldOut, test, [0, 1, 2]);
    }

    /// <summary>A view of <paramref name="set"/> with <c>Features</c> (<c>Vector&lt;Single, D&gt;</c>) and the text <c>Class</c>.</summary>
    public IDataView View(MLContext ml, ImageSet set)
    {
        var definition = SchemaDefinition.Create(typeof(ImageRow));
        definition[nameof(ImageRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, set.PixelCount);
        // Rows are made on demand: the trainer caches the training set itself, and scored views are cached by the caller.
        var rows = Enumerable.Range(0, set.Rows).Select(i => new ImageRow { Features = set.Image(i), Class = ClassNames[set.Labels[i]] });
        return ml.Data.LoadFromEnumerable(rows, definition);
    }

    /// <summary><c>MapValueToKey("Label", "Class")</c> with the class names as key data, so key order is label order.</summary>
    public ITransformer LabelKey(MLContext ml, IDataView any)
    {
        var keyData = ml.Data.LoadFromEnumerable(ClassNames.Select(n => new ClassRow { Class = n }));
        return ml.Transforms.Conversion.MapValueToKey("Label", nameof(ImageRow.Class), keyData: keyData).Fit(any);
    }

    private sealed class ClassRow
    {
        public string Class { get; set; } = "";
    }

    private sealed class ImageRow
    {
        public float[] Features { get; set; } = [];

        public string Class { get; set; } = "";
    }
}

using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.SoftTargets.Datasets;

namespace MLNet.SoftTargets.Quickstart;

/// <summary>The data of the quickstart: the embedded UCI digits, or Fashion-MNIST, split into train / held-out / test.</summary>
internal sealed record QuickstartData(string Name, string ShortName, int FeatureCount, string[] ClassNames, ModelInput[] Train, ModelInput[] Holdout, ModelInput[] Test)
{
    /// <summary>The embedded digits: 1,797 rows split 1,200 / 297 / 300 in file order.</summary>
    public static QuickstartData Digits()
    {
        var rows = DigitsDataset.LoadEmbedded()
            .Select(r => new ModelInput { Features = r.Features.Select(v => v / 16f).ToArray(), Label = r.Digit }).ToArray();
        return new("UCI handwritten digits (embedded, 8×8)", "digits", DigitsDataset.PixelCount, DigitsDataset.ClassNames,
            rows[..1200], rows[1200..1497], rows[1497..]);
    }

    /// <summary>Fashion-MNIST from IDX files: train rows 0–54,999, held out 55,000–59,999, test the 10,000 test rows.</summary>
    public static QuickstartData FashionMnist(string directory)
    {
        var (train, test) = Datasets.FashionMnist.Load(directory);
        ModelInput[] Rows(ImageSet set, int start, int count) => Enumerable.Range(start, count)
            .Select(i => new ModelInput { Features = set.Image(i), Label = Datasets.FashionMnist.ClassNames[set.Labels[i]] }).ToArray();
        return new($"Fashion-MNIST ({directory}, 28×28)", "Fashion-MNIST", Datasets.FashionMnist.PixelCount, Datasets.FashionMnist.ClassNames,
            Rows(train, 0, 55_000), Rows(train, 55_000, 5_000), Rows(test, 0, test.Rows));
    }

    /// <summary>The schema of <see cref="ModelInput"/> for this data: <c>Features</c> as <c>Vector&lt;Single, D&gt;</c>.</summary>
    public SchemaDefinition InputSchema()
    {
        var definition = SchemaDefinition.Create(typeof(ModelInput));
        definition[nameof(ModelInput.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, FeatureCount);
        return definition;
    }

    public IDataView View(MLContext ml, ModelInput[] rows) => ml.Data.LoadFromEnumerable(rows, InputSchema());

    /// <summary>The class names as MapValueToKey's key data, so the key order is the data set's class order.</summary>
    public IDataView ClassKeyData(MLContext ml) => ml.Data.LoadFromEnumerable(ClassNames.Select(n => new ClassName { Label = n }));

    private sealed class ClassName
    {
        public string Label { get; set; } = "";
    }
}

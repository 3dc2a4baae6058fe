using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets.Tests.Trainer;

/// <summary>
/// Validation data must describe the training data's problem: the same feature size, the same label keys, the same
/// soft-target width — else <c>Fit</c> fails before training, naming the column and both values.
/// </summary>
[TestClass]
public sealed class ValidationDataTests
{
    [TestMethod]
    public void AnotherFeatureSize_IsAnErrorNamingTheColumnAndBothSizes()
    {
        var ml = TestData.Context();
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Trainer().Fit(View(ml, 13, ["a", "b", "c"]), View(ml, 12, ["a", "b", "c"])));
        StringAssert.Contains(e.Message, "'Features'");
        StringAssert.Contains(e.Message, "12 values");
        StringAssert.Contains(e.Message, "has 13");
    }

    [TestMethod]
    public void MoreClasses_IsAnErrorNamingTheLabelAndBothCounts()
    {
        var ml = TestData.Context();
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Trainer().Fit(View(ml, 4, ["a", "b", "c"]), View(ml, 4, ["a", "b", "c", "d"])));
        StringAssert.Contains(e.Message, "'Label'");
        StringAssert.Contains(e.Message, "4 classes");
        StringAssert.Contains(e.Message, "has 3");
    }

    [TestMethod]
    public void FewerClasses_IsAnError()
    {
        var ml = TestData.Context();
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Trainer().Fit(View(ml, 4, ["a", "b", "c"]), View(ml, 4, ["a", "b"])));
        StringAssert.Contains(e.Message, "2 classes");
    }

    [TestMethod]
    public void AnotherKeySetOfTheSameSize_IsAnErrorNamingTheFirstDifferentKey()
    {
        var ml = TestData.Context();
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Trainer().Fit(View(ml, 4, ["a", "b", "c"]), View(ml, 4, ["a", "c", "b"])));
        StringAssert.Contains(e.Message, "'Label'");
        StringAssert.Contains(e.Message, "key 2 is 'c' there but 'b'");
    }

    [TestMethod]
    public void AnotherSoftTargetWidth_IsAnErrorNamingTheColumnAndBothWidths()
    {
        var ml = TestData.Context();
        var train = ml.Transforms.SmoothLabels(0.1).Fit(View(ml, 4, ["a", "b", "c"])).Transform(View(ml, 4, ["a", "b", "c"]));
        var validation = WithSoftTarget(ml, View(ml, 4, ["a", "b", "c"]), width: 4);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            ml.MulticlassClassification.Trainers.SoftTargetCrossEntropy(new SoftTargetCrossEntropyTrainer.Options { Epochs = 1 }).Fit(train, validation));
        StringAssert.Contains(e.Message, "'SoftTarget'");
        StringAssert.Contains(e.Message, "4 values");
        StringAssert.Contains(e.Message, "has 3");
    }

    [TestMethod]
    public void MatchingValidationData_Trains_AndABareKeyOfTheSameCountIsAccepted()
    {
        var ml = TestData.Context();
        var model = Trainer().Fit(View(ml, 4, ["a", "b", "c"]), View(ml, 4, ["a", "b", "c"]));
        Assert.IsNotNull(model.History[^1].ValidationLogLoss);
        // Key<UInt32, 3> with no key values: nothing to compare but the count.
        var definition = SchemaDefinition.Create(typeof(BareKeyRow));
        definition[nameof(BareKeyRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 4);
        definition[nameof(BareKeyRow.Label)].ColumnType = new KeyDataViewType(typeof(uint), 3);
        var bare = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 30).Select(i => new BareKeyRow { Features = Features(i, 4), Label = (uint)(i % 3) }), definition);
        Assert.IsNotNull(Trainer().Fit(View(ml, 4, ["a", "b", "c"]), bare).History[^1].ValidationLogLoss);
    }

    private static SoftTargetCrossEntropyTrainer Trainer() =>
        new(new SoftTargetCrossEntropyTrainer.Options { SoftTargetColumnName = null, Epochs = 1, Threads = 1 });

    /// <summary>30 rows of <paramref name="d"/> features, labels cycling through <paramref name="classes"/> (key values in that order).</summary>
    private static IDataView View(MLContext ml, int d, string[] classes)
    {
        var definition = SchemaDefinition.Create(typeof(NamedRow));
        definition[nameof(NamedRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, d);
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 30).Select(i => new NamedRow { Features = Features(i, d), Name = classes[i % classes.Length] }), definition);
        var keys = ml.Data.LoadFromEnumerable(classes.Select(c => new NameOnly { Name = c }));
        return ml.Transforms.Conversion.MapValueToKey("Label", nameof(NamedRow.Name), keyData: keys).Fit(data).Transform(data);
    }

    private static IDataView WithSoftTarget(MLContext ml, IDataView view, int width)
    {
        var rows = Enumerable.Range(0, (int)(view.GetRowCount() ?? 0)).Select(_ => new SoftRow { SoftTarget = Enumerable.Repeat(1f / width, width).ToArray() });
        var definition = SchemaDefinition.Create(typeof(SoftRow));
        definition[nameof(SoftRow.SoftTarget)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
        var soft = ml.Data.LoadFromEnumerable(rows, definition);
        // Zip the two views by position: the soft-target column joins the labelled rows.
        var labelled = ml.Data.CreateEnumerable<KeyedRow>(view, reuseRowObject: false).ToArray();
        var softRows = ml.Data.CreateEnumerable<SoftRow>(soft, reuseRowObject: false).ToArray();
        var zipped = definitionFor(width, labelled[0].Features.Length);
        return ml.Data.LoadFromEnumerable(labelled.Select((r, i) => new KeyedSoftRow { Features = r.Features, Label = r.Label, SoftTarget = softRows[i].SoftTarget }), zipped);

        static SchemaDefinition definitionFor(int width, int d)
        {
            var definition = SchemaDefinition.Create(typeof(KeyedSoftRow));
            definition[nameof(KeyedSoftRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, d);
            definition[nameof(KeyedSoftRow.SoftTarget)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
            definition[nameof(KeyedSoftRow.Label)].ColumnType = new KeyDataViewType(typeof(uint), 3);
            return definition;
        }
    }

    private static float[] Features(int i, int d) => Enumerable.Range(0, d).Select(j => (float)Math.Sin(i * 0.7 + j) + (i % 3) * (j == 0 ? 1f : 0f)).ToArray();

    private sealed class NamedRow
    {
        public float[] Features { get; set; } = [];

        public string Name { get; set; } = "";
    }

    private sealed class NameOnly
    {
        public string Name { get; set; } = "";
    }

    private sealed class BareKeyRow
    {
        public float[] Features { get; set; } = [];

        public uint Label { get; set; }
    }

    private sealed class KeyedRow
    {
        public float[] Features { get; set; } = [];

        public uint Label { get; set; }
    }

    private sealed class SoftRow
    {
        public float[] SoftTarget { get; set; } = [];
    }

    private sealed class KeyedSoftRow
    {
        public float[] Features { get; set; } = [];

        public uint Label { get; set; }

        public float[] SoftTarget { get; set; } = [];
    }
}

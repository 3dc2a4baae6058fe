using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets.Tests.DataView;

/// <summary>One column contract, one message format: "Column 'X' (argument) in the {data} has type T; expected …".</summary>
[TestClass]
public sealed class ColumnContractTests
{
    private sealed class Row
    {
        public string Name { get; set; } = "";

        [VectorType(3)]
        public float[] Values { get; set; } = [];

        public float Weight { get; set; }
    }

    private static IDataView Data(MLContext ml, params (string Name, float[] Values)[] rows)
    {
        var data = ml.Data.LoadFromEnumerable(rows.Select(r => new Row { Name = r.Name, Values = r.Values, Weight = 1 }).ToList());
        var keyData = ml.Data.LoadFromEnumerable(new[] { "a", "b" }.Select(n => new TestData.NameRow { Name = n }));
        return ml.Transforms.Conversion.MapValueToKey("Label", nameof(Row.Name), keyData: keyData).Fit(data).Transform(data);
    }

    [TestMethod]
    public void EveryViolation_NamesTheColumn_TheArgument_TheData_AndWhatWasExpected()
    {
        var ml = TestData.Context();
        var schema = Data(ml, ("a", [1, 2, 3])).Schema;

        var missing = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ColumnContract.RequireKeyLabel(schema, "Target", "labelColumnName", "training data"));
        Assert.AreEqual("labelColumnName", missing.ParamName);
        Assert.AreEqual("Target", missing.ActualValue);
        StringAssert.StartsWith(missing.Message, "Column 'Target' (labelColumnName) was not found in the training data; available columns: Name, Values, Weight, Label.");

        var notAKey = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ColumnContract.RequireKeyLabel(schema, "Name", "labelColumnName", "training data"));
        StringAssert.StartsWith(notAKey.Message, "Column 'Name' (labelColumnName) in the training data has type String; expected a key label (Key<UInt32, K>, e.g. from MapValueToKey).");

        var wrongSize = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ColumnContract.RequireFloatVector(schema, "Values", "scoreColumnName", "data", 2, "one probability per class"));
        StringAssert.StartsWith(wrongSize.Message, "Column 'Values' (scoreColumnName) in the data has 3 slots; expected a float vector of size 2 (Vector<Single, 2>: one probability per class).");

        var notAVector = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ColumnContract.RequireFloatVector(schema, "Weight", "featureColumnName", "data"));
        StringAssert.StartsWith(notAVector.Message, "Column 'Weight' (featureColumnName) in the data has type Single; expected a known-size float vector (Vector<Single, D>).");

        var notASingle = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ColumnContract.RequireSingle(schema, "Values", "weightColumnName", "data"));
        StringAssert.Contains(notASingle.Message, "expected a Single");

        Assert.AreEqual(2, ColumnContract.RequireKeyLabel(schema, "Label", "labelColumnName", "data").ClassCount);
        Assert.AreEqual(3, ColumnContract.RequireFloatVector(schema, "Values", "featureColumnName", "data").Size);
    }

    [TestMethod]
    public void LabelledRows_SkipMissingLabels_AndGiveZeroBasedLabelsWithTheirRowPositions()
    {
        var ml = TestData.Context();
        var data = Data(ml, ("b", [1, 2, 3]), ("unknown", [4, 5, 6]), ("a", [7, 8, 9]));
        var seen = new List<(float[] Values, int Label, long Row)>();
        LabelledRows.ForEach(data, data.Schema["Label"], data.Schema["Values"], (values, label, row) => seen.Add((values.ToArray(), label, row)));
        Assert.HasCount(2, seen);
        CollectionAssert.AreEqual(new float[] { 1, 2, 3 }, seen[0].Values);
        Assert.AreEqual((1, 0L), (seen[0].Label, seen[0].Row));
        CollectionAssert.AreEqual(new float[] { 7, 8, 9 }, seen[1].Values);
        Assert.AreEqual((0, 2L), (seen[1].Label, seen[1].Row));
    }
}

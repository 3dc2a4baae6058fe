using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets.Tests.Targets;

/// <summary>Bad arguments and bad columns fail with an exception whose message names the argument or column and what is allowed.</summary>
[TestClass]
public sealed class BadInputTests
{
    [TestMethod]
    [DataRow(-0.01)]
    [DataRow(1.0)]
    [DataRow(1.5)]
    [DataRow(double.NaN)]
    [DataRow(double.PositiveInfinity)]
    public void Alpha_OutsideZeroToOne_FailsAtConstruction(double alpha)
    {
        var ml = TestData.Context();
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.SmoothLabels(alpha));
        Assert.AreEqual("alpha", e.ParamName);
        StringAssert.Contains(e.Message, "[0, 1)");
    }

    [TestMethod]
    [DataRow(0.0)]
    [DataRow(-2.0)]
    [DataRow(double.NaN)]
    [DataRow(double.PositiveInfinity)]
    public void Temperature_NotPositiveFinite_FailsAtConstruction(double t)
    {
        var ml = TestData.Context();
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.SharpenLabels(t));
        Assert.AreEqual("temperature", e.ParamName);
        StringAssert.Contains(e.Message, "greater than 0");
    }

    [TestMethod]
    public void UnknownKind_FailsAtConstruction()
    {
        var ml = TestData.Context();
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.SmoothLabels(0.1, kind: (LabelSmoothingKind)7));
        Assert.AreEqual("kind", e.ParamName);
    }

    [TestMethod]
    public void EmptyColumnNames_FailAtConstruction()
    {
        var ml = TestData.Context();
        Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.SmoothLabels(0.1, outputColumnName: ""));
        Assert.ThrowsExactly<ArgumentNullException>(() => ml.Transforms.SharpenLabels(0.5, inputColumnName: null!));
    }

    [TestMethod]
    public void MissingInputColumn_FailsInFit_AndInGetOutputSchema_NamingIt()
    {
        var ml = TestData.Context();
        var data = TestData.Keys(ml, ["a", "b"], "a");
        var estimator = ml.Transforms.SmoothLabels(0.1, inputColumnName: "Target");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.Fit(data)).Message, "'Target'");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(TestData.Shape(data.Schema))).Message, "'Target'");

        var fitted = ml.Transforms.SharpenLabels(0.5).Fit(data);
        var other = ml.Data.LoadFromEnumerable(new[] { new TestData.NameRow { Name = "a" } });
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => fitted.GetOutputSchema(other.Schema)).Message, "'Label'");
    }

    [TestMethod]
    public void ColumnsThatAreNeitherKeyNorFloatVector_AreRejected_WithTheirType()
    {
        var ml = TestData.Context();
        var data = ml.Data.LoadFromEnumerable(new[] { new OddRow() });
        foreach (var column in new[] { "Text", "Scalar", "Doubles", "Variable" })
        {
            var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.SmoothLabels(0.1, inputColumnName: column).Fit(data), column);
            StringAssert.Contains(e.Message, $"'{column}'");
            StringAssert.Contains(e.Message, "Vector<Single, K>");
            Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.SharpenLabels(0.5, inputColumnName: column).GetOutputSchema(TestData.Shape(data.Schema)), column);
        }
    }

    [TestMethod]
    public void FewerThanTwoClasses_AreRejected()
    {
        var ml = TestData.Context();
        var oneKey = TestData.Keys(ml, ["only"], "only");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.SmoothLabels(0.1).Fit(oneKey)).Message, "at least 2");
        var oneSlot = TestData.Vectors(ml, 1, [[1f]]);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.SharpenLabels(0.5).Fit(oneSlot)).Message, "at least 2");
    }

    [TestMethod]
    public void AFittedTransform_RejectsDataWithAnotherClassCount()
    {
        var ml = TestData.Context();
        var fitted = ml.Transforms.SmoothLabels(0.1).Fit(TestData.Keys(ml, ["a", "b", "c"], "a"));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => fitted.Transform(TestData.Keys(ml, ["a", "b"], "a")));
        StringAssert.Contains(e.Message, "'Label'");
    }

    public sealed class OddRow
    {
        public string Text { get; set; } = "x";

        public float Scalar { get; set; }

        [VectorType(3)]
        public double[] Doubles { get; set; } = [1, 0, 0];

        public float[] Variable { get; set; } = [1, 0];
    }
}

using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets.Tests.Targets;

[TestClass]
public sealed class SharpenLabelsTests
{
    private static readonly float[][] Teacher =
    [
        [0.7f, 0.2f, 0.1f, 0f],
        [0.25f, 0.25f, 0.4f, 0.1f],
        [0.01f, 0.01f, 0.01f, 0.97f],
    ];

    [TestMethod]
    [DataRow(0.01)]
    [DataRow(0.5)]
    [DataRow(1.0)]
    [DataRow(2.0)]
    [DataRow(10.0)]
    public void ProbabilityVector_IsRaisedToOneOverT_AndRenormalised(double t)
    {
        var ml = TestData.Context();
        var data = TestData.Vectors(ml, 4, Teacher);
        var rows = TestData.Rows(ml.Transforms.SharpenLabels(t).Fit(data).Transform(data), "SoftTarget");
        for (int r = 0; r < Teacher.Length; r++)
        {
            double z = Teacher[r].Sum(p => Math.Pow(p, 1 / t));
            for (int c = 0; c < 4; c++)
                Assert.AreEqual(Math.Pow(Teacher[r][c], 1 / t) / z, rows[r][c], 2e-6, $"T={t} row {r} class {c}");
        }
    }

    [TestMethod]
    public void PinnedNumbers_AtTHalf_AndTTwo()
    {
        var ml = TestData.Context();
        var data = TestData.Vectors(ml, 2, [[0.75f, 0.25f]]);
        // 0.75² : 0.25² = 9 : 1; √0.75 : √0.25 = 0.634 : 0.366.
        TestData.AssertRowsEqual([[0.9f, 0.1f]], TestData.Rows(ml.Transforms.SharpenLabels(0.5).Fit(data).Transform(data), "SoftTarget"), 1e-6, "T=0.5");
        TestData.AssertRowsEqual([[0.6339746f, 0.3660254f]], TestData.Rows(ml.Transforms.SharpenLabels(2).Fit(data).Transform(data), "SoftTarget"), 1e-6, "T=2");
    }

    [TestMethod]
    public void TinyTemperature_GivesACleanOneHot_NotNaN()
    {
        var ml = TestData.Context();
        var data = TestData.Vectors(ml, 4, Teacher);
        var rows = TestData.Rows(ml.Transforms.SharpenLabels(1e-3).Fit(data).Transform(data), "SoftTarget");
        TestData.AssertRowsEqual([[1, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], rows, 0, "T=1e-3");
    }

    [TestMethod]
    public void ZerosStayZero_AndTiesStayTies()
    {
        var ml = TestData.Context();
        var data = TestData.Vectors(ml, 4, [[0.4f, 0.1f, 0.4f, 0f]]);
        foreach (double t in new[] { 0.01, 0.5, 3, 50 })
        {
            var row = TestData.Rows(ml.Transforms.SharpenLabels(t).Fit(data).Transform(data), "SoftTarget")[0];
            Assert.AreEqual(0f, row[3], $"T={t}: zero stays zero");
            Assert.AreEqual(row[0], row[2], 0f, $"T={t}: tie stays a tie");
        }
    }

    [TestMethod]
    public void KeyInput_GivesTheOneHot_WithClassNames_AndMissingKeysGiveNaN()
    {
        var ml = TestData.Context();
        var data = TestData.Keys(ml, ["a", "b", "c"], "c", null, "a");
        var transformed = ml.Transforms.SharpenLabels(0.5, "Target").Fit(data).Transform(data);
        var rows = TestData.Rows(transformed, "Target");
        TestData.AssertRowsEqual([[0, 0, 1], [float.NaN, float.NaN, float.NaN], [1, 0, 0]], rows, 0, "one-hot");
        CollectionAssert.AreEqual(new[] { "a", "b", "c" }, TestData.SlotNames(transformed.Schema["Target"]));
    }

    [TestMethod]
    public void InvalidRows_BecomeAllNaN()
    {
        var ml = TestData.Context();
        var data = TestData.Vectors(ml, 2, [[float.NaN, 1f], [-1f, 2f], [0f, 0f], [1f, 1f]]);
        var rows = TestData.Rows(ml.Transforms.SharpenLabels(0.5).Fit(data).Transform(data), "SoftTarget");
        TestData.AssertRowsEqual([[float.NaN, float.NaN], [float.NaN, float.NaN], [float.NaN, float.NaN], [0.5f, 0.5f]], rows, 0, "validity");
    }

    [TestMethod]
    public void SoftensATeachersScore_ForDistillation_InAPipeline()
    {
        var ml = TestData.Context();
        var data = TestData.Vectors(ml, 4, Teacher);
        var model = ml.Transforms.CopyColumns("Score", "Label")
            .Append(ml.Transforms.SharpenLabels(4, "SoftTarget", "Score"))
            .Fit(data);
        var rows = TestData.Rows(model.Transform(data), "SoftTarget");
        Assert.IsTrue(rows[0][0] < Teacher[0][0] && rows[0][1] > Teacher[0][1], "T=4 moves mass from the top class to the others");
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 4), model.Transform(data).Schema["SoftTarget"].Type);
    }
}

using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets.Tests.Targets;

[TestClass]
public sealed class SmoothLabelsTests
{
    [TestMethod]
    public void OffTarget_IsTheDefault_TrueClassGetsOneMinusAlpha_OthersAlphaOverKMinusOne_ForK3()
    {
        var ml = TestData.Context();
        var data = TestData.Keys(ml, ["cat", "dog", "bird"], "cat", "bird", "dog");
        var rows = TestData.Rows(ml.Transforms.SmoothLabels(0.1).Fit(data).Transform(data), "SoftTarget");
        TestData.AssertRowsEqual(
            [[0.9f, 0.05f, 0.05f], [0.05f, 0.05f, 0.9f], [0.05f, 0.9f, 0.05f]],
            rows, 0, "OffTarget α=0.1, K=3");
    }

    [TestMethod]
    [DataRow(2, 0.1)]
    [DataRow(3, 0.2)]
    [DataRow(10, 0.1)]
    [DataRow(10, 0.0)]
    [DataRow(10, 0.99)]
    public void EachKind_MatchesItsFormula(int k, double alpha)
    {
        var ml = TestData.Context();
        var names = TestData.ClassNames(k);
        var labels = Enumerable.Range(0, 2 * k).Select(i => names[(i * 7) % k]).ToArray();
        var data = TestData.Keys(ml, names, labels);
        var truth = labels.Select(l => Array.IndexOf(names, l)).ToArray();

        foreach (var kind in new[] { LabelSmoothingKind.OffTarget, LabelSmoothingKind.Uniform })
        {
            var rows = TestData.Rows(ml.Transforms.SmoothLabels(alpha, kind: kind).Fit(data).Transform(data), "SoftTarget");
            for (int r = 0; r < rows.Length; r++)
            {
                for (int c = 0; c < k; c++)
                {
                    double expected = kind == LabelSmoothingKind.OffTarget
                        ? (c == truth[r] ? 1 - alpha : alpha / (k - 1))
                        : (c == truth[r] ? 1 - alpha : 0) + alpha / k;
                    Assert.AreEqual(expected, rows[r][c], 1e-6, $"{kind} K={k} α={alpha} row {r} class {c}");
                }
                Assert.AreEqual(1.0, rows[r].Sum(v => (double)v), 1e-5, "rows sum to 1");
            }
        }
    }

    [TestMethod]
    public void Uniform_ForK2_AndK10_PinsTheNumbers()
    {
        var ml = TestData.Context();
        var two = TestData.Keys(ml, ["no", "yes"], "yes");
        TestData.AssertRowsEqual([[0.05f, 0.95f]],
            TestData.Rows(ml.Transforms.SmoothLabels(0.1, kind: LabelSmoothingKind.Uniform).Fit(two).Transform(two), "SoftTarget"), 0, "K=2");
        var ten = TestData.Keys(ml, TestData.ClassNames(10), "c3");
        var row = TestData.Rows(ml.Transforms.SmoothLabels(0.1, kind: LabelSmoothingKind.Uniform).Fit(ten).Transform(ten), "SoftTarget")[0];
        for (int c = 0; c < 10; c++)
            Assert.AreEqual(c == 3 ? 0.91f : 0.01f, row[c], 0f, $"K=10 class {c}");
    }

    [TestMethod]
    public void ClassPrior_CountsFrequenciesInFit_AndMixesThem()
    {
        var ml = TestData.Context();
        // Skewed: 6 × a, 3 × b, 1 × c, and one missing label that must not be counted.
        var labels = Enumerable.Repeat("a", 6).Concat(Enumerable.Repeat("b", 3)).Append("c").Append(null).ToArray();
        var data = TestData.Keys(ml, ["a", "b", "c"], labels);
        var model = ml.Transforms.SmoothLabels(0.2, kind: LabelSmoothingKind.ClassPrior).Fit(data);

        Assert.IsNotNull(model.ClassPrior);
        CollectionAssert.AreEqual(new[] { 0.6, 0.3, 0.1 }, model.ClassPrior.Select(p => Math.Round(p, 12)).ToArray());
        var rows = TestData.Rows(model.Transform(data), "SoftTarget");
        // (1-α)·onehot + α·prior with α = 0.2.
        TestData.AssertRowsEqual([[0.92f, 0.06f, 0.02f]], [rows[0]], 1e-6, "class a");
        TestData.AssertRowsEqual([[0.12f, 0.86f, 0.02f]], [rows[6]], 1e-6, "class b");
        TestData.AssertRowsEqual([[0.12f, 0.06f, 0.82f]], [rows[9]], 1e-6, "class c");
        Assert.IsTrue(rows[10].All(float.IsNaN), "the missing label gives a missing row");
    }

    [TestMethod]
    public void ClassPrior_OnAllMissingLabels_FailsInFitNamingTheColumn()
    {
        var ml = TestData.Context();
        var data = TestData.Keys(ml, ["a", "b"], null, null);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => ml.Transforms.SmoothLabels(0.1, kind: LabelSmoothingKind.ClassPrior).Fit(data));
        StringAssert.Contains(e.Message, "'Label'");
    }

    [TestMethod]
    public void ProbabilityVectorInput_IsNormalisedThenMixedWithTheSameReference()
    {
        var ml = TestData.Context();
        var data = TestData.Vectors(ml, 4, [[0.1f, 0.2f, 0.3f, 0.4f], [2f, 0f, 0f, 2f]]);
        var off = TestData.Rows(ml.Transforms.SmoothLabels(0.3).Fit(data).Transform(data), "SoftTarget");
        var uni = TestData.Rows(ml.Transforms.SmoothLabels(0.3, kind: LabelSmoothingKind.Uniform).Fit(data).Transform(data), "SoftTarget");
        var p = new[] { new[] { 0.1, 0.2, 0.3, 0.4 }, new[] { 0.5, 0, 0, 0.5 } };
        for (int r = 0; r < 2; r++)
        {
            for (int c = 0; c < 4; c++)
            {
                // OffTarget is the affine map that sends a one-hot to (1-α, α/(K-1), …): p·(1 - α·K/(K-1)) + α/(K-1).
                Assert.AreEqual(p[r][c] * (1 - 0.3 * 4 / 3) + 0.1, off[r][c], 1e-6, $"OffTarget row {r} slot {c}");
                Assert.AreEqual(0.7 * p[r][c] + 0.3 / 4, uni[r][c], 1e-6, $"Uniform row {r} slot {c}");
            }
        }
    }

    [TestMethod]
    public void InvalidProbabilityRows_BecomeAllNaN_ValidOnesDoNot()
    {
        var ml = TestData.Context();
        var data = TestData.Vectors(ml, 3, [[float.NaN, 0.5f, 0.5f], [-0.1f, 0.6f, 0.5f], [0f, 0f, 0f], [float.PositiveInfinity, 0, 0], [0f, 1f, 0f]]);
        foreach (var kind in Enum.GetValues<LabelSmoothingKind>())
        {
            var rows = TestData.Rows(ml.Transforms.SmoothLabels(0.1, kind: kind).Fit(data).Transform(data), "SoftTarget");
            for (int r = 0; r < 4; r++)
                Assert.IsTrue(rows[r].All(float.IsNaN), $"{kind}: row {r} must be missing");
            Assert.IsFalse(SoftTargetKernels.IsMissing(rows[4]), $"{kind}: the valid row is not missing");
        }
    }

    [TestMethod]
    public void MissingKey_GivesAnAllNaNRow()
    {
        var ml = TestData.Context();
        var data = TestData.Keys(ml, ["a", "b", "c"], "a", null);
        var rows = TestData.Rows(ml.Transforms.SmoothLabels(0.1).Fit(data).Transform(data), "SoftTarget");
        Assert.IsFalse(SoftTargetKernels.IsMissing(rows[0]));
        Assert.IsTrue(rows[1].All(float.IsNaN));
    }

    [TestMethod]
    public void Output_IsAKnownSizeFloatVector_WithTheClassNamesAsSlotNames()
    {
        var ml = TestData.Context();
        var keys = TestData.Keys(ml, ["cat", "dog", "bird"], "dog");
        var column = ml.Transforms.SmoothLabels(0.1).Fit(keys).Transform(keys).Schema["SoftTarget"];
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 3), column.Type);
        CollectionAssert.AreEqual(new[] { "cat", "dog", "bird" }, TestData.SlotNames(column));

        var vectors = TestData.Vectors(ml, 3, [[1, 0, 0]], ["x", "y", "z"]);
        var fromVector = ml.Transforms.SmoothLabels(0.1, "Soft").Fit(vectors).Transform(vectors).Schema["Soft"];
        CollectionAssert.AreEqual(new[] { "x", "y", "z" }, TestData.SlotNames(fromVector));
    }

    [TestMethod]
    public void GetOutputSchema_OnTheShape_AddsAFloatVectorWithSlotNames()
    {
        var ml = TestData.Context();
        var data = TestData.Keys(ml, ["a", "b"], "a");
        var shape = ml.Transforms.SmoothLabels(0.1, "Soft").GetOutputSchema(TestData.Shape(data.Schema));
        var soft = shape.Single(c => c.Name == "Soft");
        Assert.AreEqual(SchemaShape.Column.VectorKind.Vector, soft.Kind);
        Assert.AreEqual(NumberDataViewType.Single, soft.ItemType);
        Assert.IsFalse(soft.IsKey);
        Assert.IsTrue(soft.Annotations.Any(a => a.Name == "SlotNames"));
        Assert.IsTrue(shape.Any(c => c.Name == "Label"), "input columns are kept");
    }

    [TestMethod]
    public void Transform_IsLazy_TheColumnIsComputedOnlyWhenRead()
    {
        var ml = TestData.Context();
        var data = TestData.Keys(ml, ["a", "b"], "a", "b");
        var counting = new CountingDataView(data);
        var transformed = ml.Transforms.SmoothLabels(0.1).Fit(data).Transform(counting);
        Assert.AreEqual(0, counting.CursorsOpened, "Transform must not read the data");
        Assert.HasCount(2, TestData.Rows(transformed, "SoftTarget"));
        Assert.AreEqual(1, counting.CursorsOpened);
    }

    [TestMethod]
    public void WorksInsideAPredictionEngine()
    {
        var ml = TestData.Context();
        var data = ml.Data.LoadFromEnumerable(new[] { new TestData.NameRow { Name = "a" }, new TestData.NameRow { Name = "b" }, new TestData.NameRow { Name = "c" } });
        var model = ml.Transforms.Conversion.MapValueToKey("Label", "Name")
            .Append(ml.Transforms.SmoothLabels(0.3, kind: LabelSmoothingKind.Uniform))
            .Fit(data);
        var engine = ml.Model.CreatePredictionEngine<TestData.NameRow, SoftTargetOutput>(model);
        CollectionAssert.AreEqual(new[] { 0.1f, 0.8f, 0.1f }, engine.Predict(new TestData.NameRow { Name = "b" }).SoftTarget);
        Assert.IsTrue(engine.Predict(new TestData.NameRow { Name = "never seen" }).SoftTarget.All(float.IsNaN), "an unknown value is a missing key");
    }

    [TestMethod]
    public void SparseVectorInput_FromMapKeyToVector_EqualsTheKeyInput()
    {
        var ml = TestData.Context();
        var data = TestData.Keys(ml, ["a", "b", "c", "d"], "b", "d", "a");
        var sparse = ml.Transforms.Conversion.MapKeyToVector("OneHot", "Label").Fit(data).Transform(data);
        var fromKey = TestData.Rows(ml.Transforms.SmoothLabels(0.2).Fit(sparse).Transform(sparse), "SoftTarget");
        var fromVector = TestData.Rows(ml.Transforms.SmoothLabels(0.2, "FromVector", "OneHot").Fit(sparse).Transform(sparse), "FromVector");
        TestData.AssertRowsEqual(fromKey, fromVector, 1e-7, "key vs sparse one-hot vector");
    }

    public sealed class SoftTargetOutput
    {
        [VectorType(3)]
        public float[] SoftTarget { get; set; } = [];
    }
}

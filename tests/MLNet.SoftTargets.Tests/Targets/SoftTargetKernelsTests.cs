namespace MLNet.SoftTargets.Tests.Targets;

[TestClass]
public sealed class SoftTargetKernelsTests
{
    // 0, 1 and sizes that are not a multiple of any SIMD width (4, 8, 16 floats).
    public static IEnumerable<object[]> Lengths => new[] { 0, 1, 3, 7, 17, 33, 100 }.Select(n => new object[] { n });

    private static float[] Random(int n, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble()).ToArray();
    }

    [TestMethod]
    [DynamicData(nameof(Lengths))]
    public void Affine_MultipliesThenAdds_WithFloatRoundingAfterEachStep(int n)
    {
        var x = Random(n, n);
        var dst = new float[n];
        SoftTargetKernels.Affine(x, 0.85f, 0.0166f, dst);
        for (int i = 0; i < n; i++)
        {
            float product = x[i] * 0.85f;
            Assert.AreEqual(product + 0.0166f, dst[i], 0f, $"slot {i}");
        }
    }

    [TestMethod]
    [DynamicData(nameof(Lengths))]
    public void Scale_MultipliesEveryEntry(int n)
    {
        var x = Random(n, n + 1);
        var dst = new float[n];
        SoftTargetKernels.Scale(x, 3f, dst);
        for (int i = 0; i < n; i++)
            Assert.AreEqual(x[i] * 3f, dst[i], 0f);
    }

    [TestMethod]
    [DynamicData(nameof(Lengths))]
    public void ShiftScale_SubtractsThenMultipliesPerSlot(int n)
    {
        var x = Random(n, n + 2);
        var offset = Random(n, n + 3);
        var scale = Random(n, n + 4);
        var dst = new float[n];
        SoftTargetKernels.ShiftScale(x, offset, scale, dst);
        for (int i = 0; i < n; i++)
        {
            float shifted = x[i] - offset[i];
            Assert.AreEqual(shifted * scale[i], dst[i], 0f);
        }
    }

    [TestMethod]
    [DynamicData(nameof(Lengths))]
    public void NormalizeSum_MakesAProbabilityRowSumToOne(int n)
    {
        if (n == 0)
            return;
        var x = Random(n, n + 5).Select(v => v * 7 + 0.01f).ToArray();
        var dst = new float[n];
        SoftTargetKernels.NormalizeSum(x, dst);
        double sum = x.Sum(v => (double)v);
        for (int i = 0; i < n; i++)
            Assert.AreEqual(x[i] / sum, dst[i], 1e-6);
    }

    [TestMethod]
    [DataRow(0.01)]
    [DataRow(0.5)]
    [DataRow(1.0)]
    [DataRow(2.0)]
    [DataRow(10.0)]
    public void Sharpen_EqualsSoftmaxOfLogPOverT(double t)
    {
        foreach (int n in new[] { 1, 3, 7, 17, 33 })
        {
            var p = Random(n, n * 31).Select(v => v + 0.05f).ToArray();
            var dst = new float[n];
            SoftTargetKernels.Sharpen(p, t, dst);
            // Independent reference: softmax(log p / T) in double precision.
            var logits = p.Select(v => Math.Log(v) / t).ToArray();
            double max = logits.Max();
            double z = logits.Sum(l => Math.Exp(l - max));
            for (int i = 0; i < n; i++)
                Assert.AreEqual(Math.Exp(logits[i] - max) / z, dst[i], 2e-6, $"T={t}, n={n}, slot {i}");
        }
    }

    [TestMethod]
    public void Sharpen_AtTinyTemperature_GivesACleanOneHot_AndKeepsTiesAndZeros()
    {
        var dst = new float[5];
        SoftTargetKernels.Sharpen([0.2f, 0.3f, 0.25f, 0f, 0.25f], 1e-3, dst);
        CollectionAssert.AreEqual(new[] { 0f, 1f, 0f, 0f, 0f }, dst);

        SoftTargetKernels.Sharpen([0.4f, 0.1f, 0.4f, 0f, 0.1f], 1e-3, dst);
        CollectionAssert.AreEqual(new[] { 0.5f, 0f, 0.5f, 0f, 0f }, dst, "two tied maxima share the mass");

        SoftTargetKernels.Sharpen([0.4f, 0.1f, 0.4f, 0f, 0.1f], 100, dst);
        Assert.AreEqual(0f, dst[3], "a zero stays zero even at high temperature");
        Assert.AreEqual(dst[0], dst[2], 0f, "ties stay ties");
        Assert.AreEqual(dst[1], dst[4], 0f, "ties stay ties");
        Assert.IsFalse(dst.Any(float.IsNaN));
    }

    [TestMethod]
    public void Sharpen_AtTemperatureOne_OnlyNormalises()
    {
        var dst = new float[3];
        SoftTargetKernels.Sharpen([2f, 1f, 1f], 1.0, dst);
        CollectionAssert.AreEqual(new[] { 0.5f, 0.25f, 0.25f }, dst);
    }

    [TestMethod]
    public void Sharpen_OfEmptySpan_DoesNothing()
    {
        SoftTargetKernels.Sharpen([], 0.5, []);
    }

    [TestMethod]
    [DataRow(0.0)]
    [DataRow(-1.0)]
    [DataRow(double.NaN)]
    [DataRow(double.PositiveInfinity)]
    public void Sharpen_RejectsTemperaturesThatAreNotPositiveFinite(double t)
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => SoftTargetKernels.Sharpen([1f, 2f], t, new float[2]));
        Assert.AreEqual("temperature", e.ParamName);
    }

    [TestMethod]
    public void Kernels_RejectSpansOfDifferentLengths()
    {
        Assert.ThrowsExactly<ArgumentException>(() => SoftTargetKernels.Affine([1f, 2f], 1, 0, new float[3]));
    }

    [TestMethod]
    public void IsProbabilityRow_AcceptsNonNegativeFiniteRowsWithMass()
    {
        Assert.IsTrue(SoftTargetKernels.IsProbabilityRow([0f, 1f]));
        Assert.IsTrue(SoftTargetKernels.IsProbabilityRow([3f, 5f, 0f]), "unnormalised counts are fine");
        Assert.IsFalse(SoftTargetKernels.IsProbabilityRow([0f, 0f]), "all zero");
        Assert.IsFalse(SoftTargetKernels.IsProbabilityRow([float.NaN, 1f]), "NaN");
        Assert.IsFalse(SoftTargetKernels.IsProbabilityRow([-0.1f, 1.1f]), "negative");
        Assert.IsFalse(SoftTargetKernels.IsProbabilityRow([float.PositiveInfinity, 1f]), "infinite");
        Assert.IsFalse(SoftTargetKernels.IsProbabilityRow([]), "empty");
    }

    [TestMethod]
    public void MissingRows_AreMarkedByNaN()
    {
        var row = new float[4];
        Assert.IsFalse(SoftTargetKernels.IsMissing(row));
        SoftTargetKernels.FillMissing(row);
        Assert.IsTrue(row.All(float.IsNaN));
        Assert.IsTrue(SoftTargetKernels.IsMissing(row));
        Assert.IsTrue(SoftTargetKernels.IsMissing([0.5f, float.NaN]));
        Assert.IsFalse(SoftTargetKernels.IsMissing([]));
    }
}

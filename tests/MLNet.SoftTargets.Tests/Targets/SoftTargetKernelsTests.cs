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
    public void TheTwoPassSquaredSharpening_AgreesWithSharpenAtOneHalf_AndRejectsWhatIsProbabilityRowRejects()
    {
        var random = new Random(5);
        foreach (float scale in new[] { 1f, 1e-12f, 1e12f, 1e-20f, 1e20f })
        {
            for (int n = 1; n <= 40; n++)
            {
                var p = Enumerable.Range(0, n).Select(_ => random.NextDouble() < 0.2 ? 0f : (float)random.NextDouble() * scale).ToArray();
                p[random.Next(n)] = scale;
                var expected = new float[n];
                SoftTargetKernels.Sharpen(p, 0.5, expected);
                var actual = new float[n];
                Assert.IsTrue(SoftTargetKernels.TrySharpenSquared(p, actual), $"scale {scale}, length {n}");
                for (int k = 0; k < n; k++)
                {
                    Assert.AreEqual(expected[k], actual[k], 1e-6 * Math.Max(expected[k], 1e-30), $"scale {scale}, length {n}, entry {k}");
                    Assert.AreEqual(p[k] == 0, actual[k] == 0, "zeros stay zero");
                }
                var bad = (float[])p.Clone();
                bad[random.Next(n)] = float.NaN;
                var untouched = Enumerable.Repeat(7f, n).ToArray();
                Assert.IsFalse(SoftTargetKernels.TrySharpenSquared(bad, untouched));
                Assert.IsTrue(untouched.All(v => v == 7f), "a rejected row leaves dst alone");
            }
        }
        Assert.IsFalse(SoftTargetKernels.TrySharpenSquared(new float[12], new float[12]), "all zeros");
    }

    [TestMethod]
    public void IsProbabilityRow_FindsABadEntryAtEveryPosition_ForEveryLengthAroundTheVectorWidth()
    {
        for (int n = 1; n <= 40; n++)
        {
            var row = Enumerable.Range(0, n).Select(i => 0.25f + i).ToArray();
            Assert.IsTrue(SoftTargetKernels.IsProbabilityRow(row), $"length {n}: valid");
            Assert.IsFalse(SoftTargetKernels.IsProbabilityRow(new float[n]), $"length {n}: all zeros");
            for (int at = 0; at < n; at++)
            {
                var zeros = new float[n];
                zeros[at] = 1e-30f;
                Assert.IsTrue(SoftTargetKernels.IsProbabilityRow(zeros), $"length {n}: one positive entry at {at}");
                foreach (var bad in new[] { float.NaN, -1f, float.PositiveInfinity, float.NegativeInfinity })
                {
                    var copy = (float[])row.Clone();
                    copy[at] = bad;
                    Assert.IsFalse(SoftTargetKernels.IsProbabilityRow(copy), $"length {n}: {bad} at {at}");
                }
                var negativeZero = (float[])row.Clone();
                negativeZero[at] = -0f;
                Assert.AreEqual(n > 1, SoftTargetKernels.IsProbabilityRow(negativeZero), $"length {n}: −0 at {at} is a zero");
            }
        }
        Assert.IsFalse(SoftTargetKernels.IsProbabilityRow([]), "an empty row has no positive entry");
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

    public static IEnumerable<object[]> LengthsAndTemperatures =>
        from n in new[] { 0, 1, 3, 7, 17, 33, 100 }
        from t in new[] { 0.01, 0.5, 0.7, 1.0, 2.5, 10.0 }
        select new object[] { n, t };

    /// <summary>Two random rows in [0.01, 1.01) with a zero and a tie; the second also has two tied maxima.</summary>
    private static IEnumerable<float[]> SharpenRows(int n)
    {
        for (int variant = 0; variant < 2; variant++)
        {
            var p = Random(n, 1000 * n + variant).Select(v => v + 0.01f).ToArray();
            if (n >= 3)
            {
                p[1] = 0f;
                p[n - 1] = p[0];
            }
            if (variant == 1 && n >= 2)
                p[n / 2] = p.Max();
            yield return p;
        }
    }

    [TestMethod]
    [DynamicData(nameof(LengthsAndTemperatures))]
    public void Sharpen_MatchesPowersAndSumInDoublePrecision(int n, double t)
    {
        const double u = 1.0 / (1 << 24);
        foreach (var p in SharpenRows(n))
        {
            var dst = new float[n];
            SoftTargetKernels.Sharpen(p, t, dst);
            // Independent reference: p^(1/T) / Σ p^(1/T) in double, without the division by the max.
            var powers = p.Select(v => Math.Pow(v, 1 / t)).ToArray();
            double z = powers.Sum();
            double max = n == 0 ? 0 : p.Max();
            for (int i = 0; i < n; i++)
            {
                double expected = powers[i] / z;
                // r = p/max takes two float roundings, which the power amplifies 1/T-fold (in the entry and in
                // the sum); the power's own error is within (2 + 3|log2 r|/T)·2⁻²⁴ (see Sharpen's remarks); the sum
                // and the final scaling add a few more. Powers below 2⁻¹²⁶ may be flushed to zero.
                double log2R = p[i] == 0 ? 0 : Math.Abs(Math.Log2(p[i] / max));
                double tolerance = expected * (4 / t + 3 * log2R / t + 32) * u + Math.Pow(2, -126);
                Assert.AreEqual(expected, dst[i], tolerance, $"n={n}, T={t}, slot {i}, p={p[i]}");
            }
            for (int i = 0; i < n; i++)
            {
                if (p[i] == 0)
                    Assert.AreEqual(0f, dst[i], 0f, $"a zero stays zero (slot {i})");
                for (int j = 0; j < i; j++)
                {
                    if (p[i] == p[j])
                        Assert.AreEqual(dst[j], dst[i], 0f, $"ties stay ties (slots {j} and {i})");
                }
            }
        }
    }

    [TestMethod]
    [DynamicData(nameof(Lengths))]
    public void Sharpen_WithExponentsOneAndTwo_ComputesTheOldPowersBitForBit(int n)
    {
        foreach (var p in SharpenRows(n))
        {
            float toRatio = n == 0 ? 0f : 1f / p.Max();
            var powers = new float[n];
            SoftTargetKernels.PowersOfRatioToMax(p, 2.0, powers, normalize: false);
            for (int i = 0; i < n; i++)
                Assert.AreEqual((float)Math.Pow(p[i] * toRatio, 2.0), powers[i], 0f, $"exponent 2, slot {i}");
            SoftTargetKernels.PowersOfRatioToMax(p, 1.0, powers, normalize: false);
            for (int i = 0; i < n; i++)
                Assert.AreEqual((float)Math.Pow(p[i] * toRatio, 1.0), powers[i], 0f, $"exponent 1, slot {i}");

            // The normalisation sums pairwise across SIMD lanes instead of left to right, so the sharpened
            // row matches the old sequential formula only to the rounding of the sum: two orders of n
            // terms differ by at most 2(n − 1)·2⁻²⁴ relative, plus one rounding of each final product.
            var dst = new float[n];
            SoftTargetKernels.Sharpen(p, 0.5, dst);
            var squares = p.Select(v => (float)Math.Pow(v * toRatio, 2.0)).ToArray();
            float toSumOne = 1f / SoftTargetKernels.Sum(squares);
            for (int i = 0; i < n; i++)
            {
                float old = squares[i] * toSumOne;
                Assert.AreEqual(old, dst[i], old * (2 * n + 2) / (float)(1 << 24), $"T=0.5, slot {i}");
            }
        }
    }

    [TestMethod]
    [DynamicData(nameof(LengthsAndTemperatures))]
    public void Sharpen_OfARowScaledByAPowerOfTwo_IsBitIdentical(int n, double t)
    {
        // p · (1/max) is exactly the same float for p and for p · 2^±100 (tiny rows whose raw powers would
        // underflow, huge rows whose powers would overflow), so the result must not change at all.
        foreach (var p in SharpenRows(n))
        {
            var expected = new float[n];
            SoftTargetKernels.Sharpen(p, t, expected);
            foreach (float scale in new[] { MathF.Pow(2, -100), MathF.Pow(2, 100) })
            {
                var dst = new float[n];
                SoftTargetKernels.Sharpen(p.Select(v => v * scale).ToArray(), t, dst);
                CollectionAssert.AreEqual(expected, dst, $"scale {scale}");
            }
        }
    }

    [TestMethod]
    [DynamicData(nameof(Lengths))]
    public void Sharpen_CanWriteOverItsInput(int n)
    {
        foreach (var p in SharpenRows(n))
        {
            var expected = new float[n];
            SoftTargetKernels.Sharpen(p, 0.7, expected);
            SoftTargetKernels.Sharpen(p, 0.7, p);
            CollectionAssert.AreEqual(expected, p);
        }
    }

    [TestMethod]
    public void Sharpen_AtExtremeTemperatures_StaysFinite()
    {
        // 1e-30, not a denormal: whether a denormal input counts as zero depends on the thread's flush-to-zero mode.
        var p = new[] { 0.2f, 0.3f, 0f, 0.3f, 1e-30f, 0.1f, 0.25f, 0.05f, 0.3f, 0.01f };
        var dst = new float[p.Length];
        SoftTargetKernels.Sharpen(p, 1e-300, dst);
        CollectionAssert.AreEqual(new[] { 0f, 1 / 3f, 0f, 1 / 3f, 0f, 0f, 0f, 0f, 1 / 3f, 0f }, dst, "1/T overflows float: the tied maxima share the mass");
        SoftTargetKernels.Sharpen(p, 1e300, dst);
        CollectionAssert.AreEqual(new[] { 1 / 9f, 1 / 9f, 0f, 1 / 9f, 1 / 9f, 1 / 9f, 1 / 9f, 1 / 9f, 1 / 9f, 1 / 9f }, dst, "1/T ≈ 0: uniform over the non-zero entries");
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

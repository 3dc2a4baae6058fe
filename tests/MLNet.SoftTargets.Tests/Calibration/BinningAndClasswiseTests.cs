using Microsoft.ML;

namespace MLNet.SoftTargets.Tests.Calibration;

/// <summary>
/// Equal-mass binning and the classwise ECE against independent computations: a hand-made case, random scores with
/// several bin counts, ties, one row, more bins than rows, empty classwise bins.
/// </summary>
[TestClass]
public sealed class BinningAndClasswiseTests
{
    [TestMethod]
    public void EqualMass_HandMade_GivesTheHandComputedBins()
    {
        var ml = TestData.Context();
        // Confidences 0.9 (wrong), 0.55 (right), 0.7 (right), 0.95 (right), 0.6 (wrong); 2 bins: sorted 0.55 0.6 0.7 | 0.9 0.95.
        var data = EvaluateCalibrationTests.Scored(ml, 2,
            [([0.1f, 0.9f], 0), ([0.55f, 0.45f], 0), ([0.3f, 0.7f], 1), ([0.95f, 0.05f], 0), ([0.4f, 0.6f], 0)]);
        var m = ml.MulticlassClassification.EvaluateCalibration(data, bins: 2, binning: CalibrationBinning.EqualMass);
        Assert.AreEqual(CalibrationBinning.EqualMass, m.Binning);
        Assert.AreEqual(3, m.Bins[0].Count);
        Assert.AreEqual(2, m.Bins[1].Count);
        Assert.AreEqual(0.55, m.Bins[0].Lower, 1e-6);
        Assert.AreEqual(0.7, m.Bins[0].Upper, 1e-6);
        Assert.AreEqual(0.9, m.Bins[1].Lower, 1e-6);
        Assert.AreEqual(0.95, m.Bins[1].Upper, 1e-6);
        double gap0 = Math.Abs(2 / 3.0 - (0.55 + 0.6 + 0.7) / 3), gap1 = Math.Abs(0.5 - (0.9 + 0.95) / 2);
        double expectedEce = 3 / 5.0 * gap0 + 2 / 5.0 * gap1;
        Assert.AreEqual(expectedEce, m.ExpectedCalibrationError, 1e-6);
        Assert.AreEqual(Math.Max(gap0, gap1), m.MaximumCalibrationError, 1e-6);
    }

    [TestMethod]
    [DataRow(1003, 5, 15)]
    [DataRow(1003, 5, 7)]
    [DataRow(64, 3, 10)]
    [DataRow(9, 4, 15)]    // more bins than rows: the last 6 groups are empty
    [DataRow(1, 3, 15)]    // one row
    public void EqualMassAndClasswise_EqualAnIndependentComputation(int rows, int k, int bins)
    {
        var ml = TestData.Context();
        var rng = new Random(rows * 31 + k * 7 + bins);
        var data = new (float[] Score, int Label)[rows];
        for (int i = 0; i < rows; i++)
        {
            // Peaked random scores, some rounded to 0.05 so that ties and zero probabilities occur.
            var e = Enumerable.Range(0, k).Select(_ => Math.Exp(3 * rng.NextDouble())).ToArray();
            var p = e.Select(v => (float)(v / e.Sum())).ToArray();
            if (i % 3 == 0)
            {
                p = p.Select(v => MathF.Round(v * 20) / 20).ToArray();
                p[0] += 1 - p.Sum();
                if (p[0] < 0)
                    p = Enumerable.Repeat(1f / k, k).ToArray();
            }
            data[i] = (p, rng.Next(k));
        }
        var m = ml.MulticlassClassification.EvaluateCalibration(EvaluateCalibrationTests.Scored(ml, k, data), bins: bins, binning: CalibrationBinning.EqualMass);
        var (expectedEce, expectedMce, expectedSizes) = ReferenceEqualMass(data, bins);
        Assert.AreEqual(expectedEce, m.ExpectedCalibrationError, 1e-9, "equal-mass ECE");
        Assert.AreEqual(expectedMce, m.MaximumCalibrationError, 1e-9, "equal-mass MCE");
        CollectionAssert.AreEqual(expectedSizes, m.Bins.Select(b => b.Count).ToArray(), "group sizes");
        double expectedClasswise = ReferenceClasswise(data, k, bins);
        Assert.AreEqual(expectedClasswise, m.ClasswiseExpectedCalibrationError, 1e-9, "classwise ECE");
        // The classwise ECE does not depend on the top-1 binning.
        var widths = ml.MulticlassClassification.EvaluateCalibration(EvaluateCalibrationTests.Scored(ml, k, data), bins: bins);
        Assert.AreEqual(m.ClasswiseExpectedCalibrationError, widths.ClasswiseExpectedCalibrationError, 1e-15);
        Assert.HasCount(k, widths.ClasswiseBins);
        Assert.AreEqual(rows, widths.ClasswiseBins[0].Sum(b => b.Count));
    }

    [TestMethod]
    public void EqualMass_Ties_AreSplitInRowOrder()
    {
        var ml = TestData.Context();
        // Four rows of confidence 0.5 exactly (arg-max: the first class), right, wrong, wrong, right: 2 bins of 2 in row order.
        var data = EvaluateCalibrationTests.Scored(ml, 2, [([0.5f, 0.5f], 0), ([0.5f, 0.5f], 1), ([0.5f, 0.5f], 1), ([0.5f, 0.5f], 0)]);
        var m = ml.MulticlassClassification.EvaluateCalibration(data, bins: 2, binning: CalibrationBinning.EqualMass);
        Assert.AreEqual(0.5, m.Bins[0].Accuracy, 1e-12);
        Assert.AreEqual(0.5, m.Bins[1].Accuracy, 1e-12);
        Assert.AreEqual(0, m.ExpectedCalibrationError, 1e-12);
    }

    [TestMethod]
    public void AnUnknownBinning_IsRefused()
    {
        var ml = TestData.Context();
        var data = EvaluateCalibrationTests.Scored(ml, 2, [([0.5f, 0.5f], 0)]);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.EvaluateCalibration(data, binning: (CalibrationBinning)7));
        StringAssert.Contains(e.Message, "binning");
    }

    // Independent: rows as (confidence, correct, index) tuples sorted by confidence then index, cut like numpy.array_split.
    private static (double Ece, double Mce, long[] Sizes) ReferenceEqualMass((float[] Score, int Label)[] data, int bins)
    {
        var rows = data.Select((r, i) =>
        {
            int best = Array.IndexOf(r.Score, r.Score.Max());
            return (Confidence: (double)r.Score[best], Correct: best == r.Label ? 1.0 : 0.0, Index: i);
        }).ToList();
        rows.Sort((a, b) => a.Confidence != b.Confidence ? a.Confidence.CompareTo(b.Confidence) : a.Index.CompareTo(b.Index));
        int n = rows.Count, q = n / bins, r = n % bins, at = 0;
        double ece = 0, mce = 0;
        var sizes = new long[bins];
        for (int b = 0; b < bins; b++)
        {
            int size = b < r ? q + 1 : q;
            sizes[b] = size;
            if (size > 0)
            {
                var group = rows.GetRange(at, size);
                double gap = Math.Abs(group.Average(g => g.Correct) - group.Average(g => g.Confidence));
                ece += size / (double)n * gap;
                mce = Math.Max(mce, gap);
            }
            at += size;
        }
        return (ece, mce, sizes);
    }

    private static double ReferenceClasswise((float[] Score, int Label)[] data, int k, int bins)
    {
        double total = 0;
        for (int c = 0; c < k; c++)
        {
            var byBin = data.GroupBy(r =>
            {
                double p = r.Score[c];
                for (int b = 0; b < bins; b++)
                {
                    if (p <= (b + 1) / (double)bins)
                        return b;
                }
                return bins - 1;
            });
            total += byBin.Sum(g => g.Count() / (double)data.Length * Math.Abs(g.Average(r => r.Label == c ? 1.0 : 0.0) - g.Average(r => (double)r.Score[c])));
        }
        return total / k;
    }
}

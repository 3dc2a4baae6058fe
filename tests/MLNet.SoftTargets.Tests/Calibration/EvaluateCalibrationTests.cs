using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets.Tests.Calibration;

[TestClass]
public sealed class EvaluateCalibrationTests
{
    /// <summary>A view with key Label (K classes, 0-based labels given) and Score vectors.</summary>
    internal static IDataView Scored(MLContext ml, int k, (float[] Score, int Label)[] rows)
    {
        var definition = SchemaDefinition.Create(typeof(ScoredRow));
        definition["Label"].ColumnType = new KeyDataViewType(typeof(uint), k);
        definition["Score"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, k);
        // LoadFromEnumerable reads key values 0-based: class c is key c + 1.
        return ml.Data.LoadFromEnumerable(rows.Select(r => new ScoredRow { Score = r.Score, Label = (uint)r.Label }), definition);
    }

    [TestMethod]
    public void HandMadeScores_GiveTheHandComputedMetrics()
    {
        var ml = TestData.Context();
        // 4 rows, 2 classes, 5 bins of width 0.2. Confidences 0.9 (right), 0.9 (wrong), 0.6 (right), 0.7 (right).
        var data = Scored(ml, 2, [([0.9f, 0.1f], 0), ([0.1f, 0.9f], 0), ([0.6f, 0.4f], 0), ([0.3f, 0.7f], 1)]);
        var m = ml.MulticlassClassification.EvaluateCalibration(data, bins: 5);
        // Bin (0.8, 1.0]: 2 rows, confidence 0.9, accuracy 0.5 → gap 0.4. Bin (0.4, 0.6]: 0.6, accuracy 1 → gap 0.4.
        // Bin (0.6, 0.8]: 0.7, accuracy 1 → gap 0.3. ECE = 2/4·0.4 + 1/4·0.4 + 1/4·0.3 = 0.375; MCE = 0.4.
        Assert.AreEqual(0.375, m.ExpectedCalibrationError, 1e-6);
        Assert.AreEqual(0.4, m.MaximumCalibrationError, 1e-6);
        Assert.AreEqual(0.75, m.Accuracy, 1e-12);
        double nll = -(Math.Log(0.9) + Math.Log(0.1) + Math.Log(0.6) + Math.Log(0.7)) / 4;
        Assert.AreEqual(nll, m.LogLoss, 1e-6);
        double brier = (2 * 0.01 + 2 * 0.81 + 2 * 0.16 + 2 * 0.09) / 4;
        Assert.AreEqual(brier, m.BrierScore, 1e-6);
        Assert.HasCount(5, m.Bins);
        Assert.AreEqual(0, m.Bins[0].Count);
        Assert.IsTrue(double.IsNaN(m.Bins[0].Accuracy), "an empty bin has no accuracy");
        Assert.AreEqual(2, m.Bins[4].Count);
        Assert.AreEqual(0.9, m.Bins[4].MeanConfidence, 1e-6);
        Assert.AreEqual(0.5, m.Bins[4].Accuracy, 1e-12);
        Assert.AreEqual(0.8, m.Bins[4].Lower, 1e-12);
        Assert.AreEqual(1.0, m.Bins[4].Upper, 1e-12);
    }

    [TestMethod]
    public void AConfidenceExactlyOnABinEdge_BelongsToTheBinBelow()
    {
        // 0.4 = 6/15 is the upper edge of bin 5 (0-based): bins are ((b-1)/B, b/B].
        Assert.AreEqual(5, CalibrationAccumulator.BinOf(0.4, 15));
        Assert.AreEqual(6, CalibrationAccumulator.BinOf(Math.BitIncrement(0.4), 15));
        Assert.AreEqual(0, CalibrationAccumulator.BinOf(0.0, 15));
        Assert.AreEqual(14, CalibrationAccumulator.BinOf(1.0, 15));
        Assert.AreEqual(1, CalibrationAccumulator.BinOf(0.2f, 5), "the float 0.2f is just above 0.2: bin 1");
        for (int b = 1; b <= 15; b++)
            Assert.AreEqual(b - 1, CalibrationAccumulator.BinOf(b / 15.0, 15), $"edge {b}/15");
    }

    [TestMethod]
    public void OneRow_IsItsOwnBin()
    {
        var ml = TestData.Context();
        var m = ml.MulticlassClassification.EvaluateCalibration(Scored(ml, 3, [([0.2f, 0.5f, 0.3f], 2)]));
        Assert.AreEqual(0.5, m.ExpectedCalibrationError, 1e-6, "confidence 0.5, accuracy 0");
        Assert.AreEqual(0.5, m.MaximumCalibrationError, 1e-6);
        Assert.AreEqual(0.0, m.Accuracy);
        Assert.AreEqual(1, m.RowCount);
        Assert.AreEqual(1, m.Bins.Sum(b => b.Count));
    }

    [TestMethod]
    public void RandomScores_MatchAStraightforwardComputation()
    {
        var ml = TestData.Context();
        var random = new Random(3);
        var rows = Enumerable.Range(0, 500).Select(_ =>
        {
            var raw = Enumerable.Range(0, 4).Select(_ => Math.Pow(random.NextDouble(), 3)).ToArray();
            return (raw.Select(v => (float)(v / raw.Sum())).ToArray(), random.Next(4));
        }).ToArray();
        var m = ml.MulticlassClassification.EvaluateCalibration(Scored(ml, 4, rows), bins: 10);

        // Independent: group rows by bin with a LINQ query, then the textbook formulas.
        var binned = rows.Select(r => (Confidence: (double)r.Item1.Max(), Correct: Array.IndexOf(r.Item1, r.Item1.Max()) == r.Item2))
            .GroupBy(r => Math.Max(0, (int)Math.Ceiling(r.Confidence * 10 - 1e-12) - 1)).ToArray();
        double expectedEce = binned.Sum(g => g.Count() / 500.0 * Math.Abs(g.Average(r => r.Correct ? 1.0 : 0.0) - g.Average(r => r.Confidence)));
        double expectedMce = binned.Max(g => Math.Abs(g.Average(r => r.Correct ? 1.0 : 0.0) - g.Average(r => r.Confidence)));
        Assert.AreEqual(expectedEce, m.ExpectedCalibrationError, 1e-9);
        Assert.AreEqual(expectedMce, m.MaximumCalibrationError, 1e-9);
        Assert.AreEqual(rows.Average(r => -Math.Log(r.Item1[r.Item2])), m.LogLoss, 1e-6);
        Assert.AreEqual(rows.Average(r => r.Item1.Select((p, k) => Math.Pow(p - (k == r.Item2 ? 1 : 0), 2)).Sum()), m.BrierScore, 1e-6);
    }

    [TestMethod]
    public void WorksOnTheScoreOfMlNetsOwnTrainer()
    {
        var ml = TestData.Context();
        var (train, test) = DigitsData.Split(ml);
        var model = ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy().Fit(train);
        var scored = model.Transform(test);
        var m = ml.MulticlassClassification.EvaluateCalibration(scored);
        var reference = ml.MulticlassClassification.Evaluate(scored);
        Assert.AreEqual(reference.MicroAccuracy, m.Accuracy, 1e-9);
        Assert.AreEqual(reference.LogLoss, m.LogLoss, 1e-4);
        Assert.IsTrue(m.ExpectedCalibrationError is > 0 and < 0.2);
    }

    [TestMethod]
    public void BadInput_IsAClearError()
    {
        var ml = TestData.Context();
        var data = Scored(ml, 2, [([0.5f, 0.5f], 0)]);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.EvaluateCalibration(data, bins: 0));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.EvaluateCalibration(data, scoreColumnName: "Probabilities")).Message, "'Probabilities'");
        var nan = Scored(ml, 2, [([0.5f, 0.5f], 0), ([float.NaN, 0.5f], 1)]);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidOperationException>(() => ml.MulticlassClassification.EvaluateCalibration(nan)).Message, "row 1");
    }

    public sealed class ScoredRow
    {
        public float[] Score { get; set; } = [];

        public uint Label { get; set; }
    }
}

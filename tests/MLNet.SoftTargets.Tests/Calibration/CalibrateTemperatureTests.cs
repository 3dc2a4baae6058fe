using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets.Tests.Calibration;

[TestClass]
public sealed class CalibrateTemperatureTests
{
    /// <summary>
    /// Rows whose labels follow q exactly (counts proportional to q), scored with p = softmax(log q · T0) — logits
    /// that are T0 times too large or small. The NLL of softmax(log p / T) is then minimised exactly at T = T0.
    /// </summary>
    private static IDataView KnownTemperature(MLContext ml, double t0)
    {
        int[][] counts = [[70, 20, 10], [40, 35, 25], [5, 15, 80], [34, 33, 33], [90, 5, 5]];
        var rows = new List<(float[], int)>();
        foreach (var c in counts)
        {
            var p = c.Select(n => Math.Pow(n / 100.0, t0)).ToArray();
            var score = p.Select(v => (float)(v / p.Sum())).ToArray();
            for (int k = 0; k < 3; k++)
                rows.AddRange(Enumerable.Repeat((score, k), c[k]));
        }
        return EvaluateCalibrationTests.Scored(ml, 3, [.. rows]);
    }

    [TestMethod]
    [DataRow(0.5)]
    [DataRow(1.7)]
    [DataRow(3.0)]
    public void Fit_RecoversAKnownTemperature(double t0)
    {
        var ml = TestData.Context();
        var calibrator = ml.Transforms.CalibrateTemperature().Fit(KnownTemperature(ml, t0));
        Assert.AreEqual(t0, calibrator.Temperature, 1e-3);
    }

    [TestMethod]
    public void Calibrating_NeverIncreasesTheLogLossOnItsData_AndKeepsTheArgMax()
    {
        var ml = TestData.Context();
        var (train, test) = DigitsData.Split(ml);
        var scored = ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy().Fit(train).Transform(test);
        var calibrator = ml.Transforms.CalibrateTemperature().Fit(scored);
        var calibrated = calibrator.Transform(scored);
        var before = ml.MulticlassClassification.EvaluateCalibration(scored);
        var after = ml.MulticlassClassification.EvaluateCalibration(calibrated);
        Assert.IsTrue(after.LogLoss <= before.LogLoss + 1e-9, $"NLL {before.LogLoss:F5} → {after.LogLoss:F5} at T = {calibrator.Temperature:F3}");
        Assert.AreEqual(before.Accuracy, after.Accuracy, 1e-12, "the arg-max is unchanged");
        CollectionAssert.AreEqual(scored.GetColumn<uint>("PredictedLabel").ToArray(), calibrated.GetColumn<uint>("PredictedLabel").ToArray());

        // Already calibrated scores (T0 = 1) keep T = 1 or a value that is no worse.
        var one = ml.Transforms.CalibrateTemperature().Fit(KnownTemperature(ml, 1.0));
        Assert.AreEqual(1.0, one.Temperature, 1e-3);
    }

    [TestMethod]
    public void TheCalibrator_SavesAndLoadsInStockMlNet()
    {
        var ml = TestData.Context();
        var data = KnownTemperature(ml, 2.0);
        var calibrator = ml.Transforms.CalibrateTemperature().Fit(data);
        var loaded = TestData.SaveAndLoad(calibrator, data.Schema);
        var before = calibrator.Transform(data);
        var after = loaded.Transform(data);
        TestData.AssertSameVisibleSchema(before.Schema, after.Schema);
        TestData.AssertRowsEqual(TestData.Rows(before, "Score"), TestData.Rows(after, "Score"), 1e-6, "Score");
    }
}

using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets.Tests.Trainer;

/// <summary>
/// Accuracy on the shipped digits: trained on rows 0–1399, tested on rows 1400–1796 (a harder split: ML.NET's
/// LbfgsMaximumEntropy reaches 0.899 on it).
/// </summary>
[TestClass]
public sealed class TrainerQualityTests
{
    private static SoftTargetCrossEntropyTrainer.Options Quick => new() { Epochs = 15, BatchSize = 64, LearningRate = 0.01, Device = TrainingDevice.Cpu, Threads = 1 };

    [TestMethod]
    public void LinearHead_OnTheDigits_ReachesEightyEightPercent()
    {
        var ml = TestData.Context();
        var (train, test) = DigitsData.Split(ml);
        var model = ml.MulticlassClassification.Trainers.SoftTargetCrossEntropy(Quick with { SoftTargetColumnName = null }).Fit(train);
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
        Console.WriteLine($"linear: accuracy {metrics.MicroAccuracy:F4}, log-loss {metrics.LogLoss:F4}");
        Assert.IsTrue(metrics.MicroAccuracy >= 0.88, $"accuracy {metrics.MicroAccuracy:F4}");
    }

    [TestMethod]
    public void MlpHead_WithSmoothedTargets_ReachesNinetyTwoPercent()
    {
        var ml = TestData.Context();
        var (train, test) = DigitsData.Split(ml);
        var model = ml.MulticlassClassification.Trainers.SoftTargetCrossEntropy(Quick with { HiddenLayerSizes = [64] }).Fit(DigitsData.Smoothed(ml, train, 0.1));
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
        Console.WriteLine($"mlp: accuracy {metrics.MicroAccuracy:F4}, log-loss {metrics.LogLoss:F4}");
        Assert.IsTrue(metrics.MicroAccuracy >= 0.92, $"accuracy {metrics.MicroAccuracy:F4}");
    }
}

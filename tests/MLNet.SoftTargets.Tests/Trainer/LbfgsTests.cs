using Microsoft.ML;

namespace MLNet.SoftTargets.Tests.Trainer;

/// <summary>Full-batch L-BFGS (<see cref="SoftTargetOptimizer.Lbfgs"/>) on the linear head.</summary>
[TestClass]
public sealed class LbfgsTests
{
    [TestMethod]
    public void OnTheDigits_ItMatchesLbfgsMaximumEntropy_AndTheObjectiveNeverRises()
    {
        var ml = TestData.Context();
        var (train, test) = DigitsData.Split(ml);
        var model = new SoftTargetCrossEntropyTrainer(new SoftTargetCrossEntropyTrainer.Options
        {
            SoftTargetColumnName = null, Optimizer = SoftTargetOptimizer.Lbfgs, Device = TrainingDevice.Cpu, Threads = 1,
        }).Fit(train);
        var ours = ml.MulticlassClassification.Evaluate(model.Transform(test));
        var theirs = ml.MulticlassClassification.Evaluate(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy().Fit(train).Transform(test));
        Console.WriteLine($"ours {ours.MicroAccuracy:F4} ({model.History.Count} iterations, {model.History[^1].StopReason}), LbfgsMaximumEntropy {theirs.MicroAccuracy:F4}");
        Assert.IsGreaterThanOrEqualTo(theirs.MicroAccuracy - 0.01, ours.MicroAccuracy);
        Assert.IsTrue(model.History[^1].StopReason is TrainingStopReason.Converged or TrainingStopReason.BudgetSpent);
        for (int i = 1; i < model.History.Count; i++)
            Assert.IsLessThanOrEqualTo(model.History[i - 1].TrainingLoss, model.History[i].TrainingLoss, $"iteration {i + 1}");
    }

    [TestMethod]
    public void TheIterationBudget_StopsIt()
    {
        var ml = TestData.Context();
        var (train, _) = DigitsData.Split(ml);
        var model = new SoftTargetCrossEntropyTrainer(new SoftTargetCrossEntropyTrainer.Options
        {
            SoftTargetColumnName = null, Optimizer = SoftTargetOptimizer.Lbfgs, MaximumNumberOfIterations = 7, Device = TrainingDevice.Cpu, Threads = 1,
        }).Fit(train);
        Assert.HasCount(7, model.History);
        Assert.AreEqual(TrainingStopReason.BudgetSpent, model.History[^1].StopReason);
    }

    [TestMethod]
    public void Checkpoints_AreRejected_WithLbfgs()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SoftTargetCrossEntropyTrainer(new SoftTargetCrossEntropyTrainer.Options
        {
            Optimizer = SoftTargetOptimizer.Lbfgs, CheckpointDirectory = "somewhere",
        }));
        StringAssert.Contains(e.Message, "CheckpointDirectory");
    }
}

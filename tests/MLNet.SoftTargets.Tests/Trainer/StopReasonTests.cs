namespace MLNet.SoftTargets.Tests.Trainer;

/// <summary>The last progress report and the model's history say why training stopped.</summary>
[TestClass]
public sealed class StopReasonTests
{
    private static SoftTargetCrossEntropyTrainer.Options Options => new()
    {
        SoftTargetColumnName = null, Epochs = 4, BatchSize = 64, LearningRate = 0.01, Device = TrainingDevice.Cpu, Threads = 1,
    };

    [TestMethod]
    public void ARunThatSpendsItsEpochs_EndsWithBudgetSpent_AndOnlyTheLastReportHasAReason()
    {
        var ml = TestData.Context();
        var (train, _) = DigitsData.Split(ml);
        var reports = new List<TrainingProgress>();
        var model = new SoftTargetCrossEntropyTrainer(Options with { Progress = new SynchronousProgress(reports.Add) }).Fit(train);
        Assert.HasCount(4, model.History);
        Assert.AreEqual(TrainingStopReason.BudgetSpent, model.History[^1].StopReason);
        Assert.IsTrue(model.History.Take(3).All(h => h.StopReason is null));
        CollectionAssert.AreEqual(model.History.ToArray(), reports.ToArray(), "the progress reports are the history");
    }

    [TestMethod]
    public void EarlyStopping_IsTheReason_WhenTheValidationMetricStopsImproving()
    {
        var ml = TestData.Context();
        var (train, test) = DigitsData.Split(ml);
        // A learning rate far too large makes the validation log-loss rise after the first epoch.
        var model = new SoftTargetCrossEntropyTrainer(Options with { Epochs = 30, LearningRate = 3, EarlyStoppingPatience = 1, HiddenLayerSizes = [32] }).Fit(train, test);
        Assert.IsLessThan(30, model.History.Count, "stopped early");
        Assert.AreEqual(TrainingStopReason.EarlyStopping, model.History[^1].StopReason);
    }

    [TestMethod]
    public void Cancellation_IsReportedToTheProgressCallback_BeforeFitThrows()
    {
        var ml = TestData.Context();
        var (train, _) = DigitsData.Split(ml);
        using var cancel = new CancellationTokenSource();
        var reports = new List<TrainingProgress>();
        var options = Options with
        {
            CancellationToken = cancel.Token,
            Progress = new SynchronousProgress(p =>
            {
                reports.Add(p);
                cancel.Cancel();
            }),
        };
        Assert.ThrowsExactly<OperationCanceledException>(() => new SoftTargetCrossEntropyTrainer(options).Fit(train));
        Assert.HasCount(2, reports, "epoch 1, then the cancelled epoch 2");
        Assert.IsNull(reports[0].StopReason);
        Assert.AreEqual(TrainingStopReason.Cancelled, reports[1].StopReason);
        Assert.AreEqual(2, reports[1].Epoch);
    }
}

using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets.Tests.Trainer;

/// <summary>
/// <see cref="MixupOptions"/> in the trainer: off (both α 0, or probability 0) is the run without it bit for bit; on, it
/// is seeded, changes training, costs little accuracy, resumes exactly from a checkpoint and composes with a teacher;
/// bad arguments are refused by name.
/// </summary>
[TestClass]
public sealed class MixupTests
{
    private static SoftTargetCrossEntropyTrainer.Options Options => new()
    {
        HiddenLayerSizes = [32], Epochs = 8, BatchSize = 64, LearningRate = 0.01, CacheData = true, Device = TrainingDevice.Cpu, Threads = 1,
    };

    private static double Accuracy(ITransformer model, IDataView test)
    {
        var scored = model.Transform(test);
        var predicted = scored.GetColumn<uint>(scored.Schema["PredictedLabel"]).ToArray();
        var truth = test.GetColumn<uint>(test.Schema["Label"]).ToArray();
        return predicted.Zip(truth).Count(p => p.First == p.Second) / (double)truth.Length;
    }

    [TestMethod]
    public void MixupOff_IsBitForBitTheRunWithoutIt()
    {
        var ml = TestData.Context();
        var (train, _) = DigitsData.Split(ml);
        var data = DigitsData.Smoothed(ml, train, 0.1);
        var short_ = Options with { Epochs = 2 };
        using var plain = new SoftTargetCrossEntropyTrainer(short_).Fit(data);
        using var alphaZero = new SoftTargetCrossEntropyTrainer(short_ with { Mixup = new MixupOptions { MixupAlpha = 0 } }).Fit(data);
        using var never = new SoftTargetCrossEntropyTrainer(short_ with { Mixup = new MixupOptions { Probability = 0 } }).Fit(data);
        Assert.AreEqual(0, TestData.MaxParameterDifference(plain, alphaZero));
        Assert.AreEqual(0, TestData.MaxParameterDifference(plain, never));
    }

    [TestMethod]
    public void Mixup_IsSeeded_ChangesTraining_AndCostsLittleAccuracy()
    {
        var ml = TestData.Context();
        var (train, test) = DigitsData.Split(ml);
        var data = DigitsData.Smoothed(ml, train, 0.1);
        using var plain = new SoftTargetCrossEntropyTrainer(Options).Fit(data);
        var mixup = Options with { Mixup = new MixupOptions() };
        using var a = new SoftTargetCrossEntropyTrainer(mixup).Fit(data);
        using var b = new SoftTargetCrossEntropyTrainer(mixup).Fit(data);
        using var otherSeed = new SoftTargetCrossEntropyTrainer(mixup with { Seed = 43 }).Fit(data);
        using var otherSeedPlain = new SoftTargetCrossEntropyTrainer(Options with { Seed = 43 }).Fit(data);
        Assert.AreEqual(0, TestData.MaxParameterDifference(a, b), "same seed, same run");
        Assert.IsGreaterThan(1e-3, TestData.MaxParameterDifference(a, plain), "mixup changed nothing");
        Assert.IsGreaterThan(1e-3, TestData.MaxParameterDifference(a, otherSeed), "the seed does not reach the mixing");
        double accPlain = Accuracy(plain, test), accMixup = Accuracy(a, test);
        Assert.IsGreaterThanOrEqualTo(accPlain - 0.03, accMixup, $"mixup {accMixup:F3} vs none {accPlain:F3}");
        Assert.IsGreaterThanOrEqualTo(Accuracy(otherSeedPlain, test) - 0.03, Accuracy(otherSeed, test), "seed 43");
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(32)]
    public void MixupWithDefaultArguments_TrainsTheWholeBudget_AndCostsAtMostThreePoints(int hidden)
    {
        // With nothing set: no mixup → L-BFGS (linear) or Adam with the plateau stop; mixup → Adam on the whole budget (its
        // loss changes with every epoch's draws: the plateau stop ended digits after 25–47 epochs at −0.035).
        var ml = TestData.Context();
        var (train, test) = DigitsData.Split(ml);
        var options = new SoftTargetCrossEntropyTrainer.Options { SoftTargetColumnName = null, HiddenLayerSizes = hidden == 0 ? [] : [hidden], Device = TrainingDevice.Cpu };
        using var plain = new SoftTargetCrossEntropyTrainer(options).Fit(train);
        using var mixup = new SoftTargetCrossEntropyTrainer(options with { Mixup = new MixupOptions() }).Fit(train);
        double a = Accuracy(plain, test), b = Accuracy(mixup, test);
        Console.WriteLine($"hidden {hidden}: none {a:F4} ({plain.History[^1].StopReason}), mixup {b:F4} ({mixup.History.Count} epochs, {mixup.History[^1].StopReason})");
        Assert.AreEqual(TrainingStopReason.BudgetSpent, mixup.History[^1].StopReason);
        Assert.IsGreaterThanOrEqualTo(a - 0.03, b);
    }

    [TestMethod]
    public void CutMixAndMixup_OnTheImages_TrainAndAreSeeded()
    {
        var ml = TestData.Context();
        var (train, test) = DigitsData.Split(ml);
        var hard = Options with { SoftTargetColumnName = null };
        var options = hard with { Mixup = new MixupOptions { MixupAlpha = 0.2, CutMixAlpha = 1.0, ImageShape = [1, 8, 8] } };
        using var a = new SoftTargetCrossEntropyTrainer(options).Fit(train);
        using var b = new SoftTargetCrossEntropyTrainer(options).Fit(train);
        using var plain = new SoftTargetCrossEntropyTrainer(hard).Fit(train);
        Assert.AreEqual(0, TestData.MaxParameterDifference(a, b));
        Assert.IsGreaterThan(1e-3, TestData.MaxParameterDifference(a, plain));
        Assert.IsGreaterThanOrEqualTo(Accuracy(plain, test) - 0.05, Accuracy(a, test));
    }

    [TestMethod]
    public void AMixupRunInterruptedMidEpoch_ResumedFromItsCheckpoint_EndsWithTheUninterruptedWeights()
    {
        // Streaming (the cache would read everything up front), cancelled from inside the data after 37 batches' rows, so
        // the checkpoint is mid-epoch (CheckpointInterval 5): the mixing and the teacher must repeat by step number alone.
        var ml = TestData.Context();
        var (train, _) = DigitsData.Split(ml);
        var data = DigitsData.Smoothed(ml, train, 0.1);
        using var teacher = new SoftTargetCrossEntropyTrainer(Options with { Epochs = 2, SoftTargetColumnName = null }).Fit(train);
        var options = Options with
        {
            Epochs = 3, CacheData = false, ShuffleBufferSize = 200, CheckpointInterval = 5,
            Mixup = new MixupOptions { MixupAlpha = 0.4, CutMixAlpha = 1, ImageShape = [1, 8, 8] },
            Teacher = new TeacherOptions { Model = teacher, Weight = 0.5 },
        };
        using var uninterrupted = new SoftTargetCrossEntropyTrainer(options).Fit(data);
        string directory = Path.Combine(Path.GetTempPath(), "softtarget-mixup-checkpoint-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var cancel = new CancellationTokenSource();
            var first = new SoftTargetCrossEntropyTrainer(options with { CheckpointDirectory = directory, CancellationToken = cancel.Token });
            Assert.ThrowsExactly<OperationCanceledException>(() => first.Fit(new CancelAfterRows(data, 37 * 64, cancel)));
            var log = new List<string>();
            using var resumed = new SoftTargetCrossEntropyTrainer(options with { CheckpointDirectory = directory, Log = log.Add }).Fit(data);
            var resumedAt = log.SingleOrDefault(l => l.StartsWith("Resuming"));
            Assert.IsNotNull(resumedAt, string.Join(" | ", log));
            StringAssert.Contains(resumedAt, "epoch 2");
            Assert.DoesNotContain("batch 0.", resumedAt, "the checkpoint must be mid-epoch");
            Assert.AreEqual(0, TestData.MaxParameterDifference(uninterrupted, resumed));
        }
        finally
        {
            if (Directory.Exists(directory))
                Directory.Delete(directory, recursive: true);
        }
    }

    [TestMethod]
    public void WithExampleWeights_AWeightZeroRowLendsNoLabelWhenMixed()
    {
        // All weights 1 except the rows of digit 3, weighted 0: with mixing they must not teach "3" through their partners.
        var ml = TestData.Context();
        var (train, test) = DigitsData.Split(ml);
        var weighted = ml.Transforms.CustomMapping<DigitOnly, WeightOut>((from, to) => to.Weight = from.Digit == "3" ? 0f : 1f, null).Fit(train).Transform(train);
        var options = Options with
        {
            SoftTargetColumnName = null, ExampleWeightColumnName = "Weight", Epochs = 6, Mixup = new MixupOptions { MixupAlpha = 1.0 },
        };
        using var model = new SoftTargetCrossEntropyTrainer(options).Fit(weighted);
        var scored = model.Transform(test);
        var predicted = scored.GetColumn<uint>(scored.Schema["PredictedLabel"]).ToArray();
        Assert.AreEqual(0, predicted.Count(p => p == 4), "class '3' (key 4) was learnt from weight-0 rows");
    }

    private sealed class DigitOnly
    {
        public string? Digit { get; set; }
    }

    private sealed class WeightOut
    {
        public float Weight { get; set; }
    }

    [TestMethod]
    public void BadMixupArguments_AreRefusedByName()
    {
        var ml = TestData.Context();
        var (train, _) = DigitsData.Split(ml);
        void Refused(MixupOptions mixup, string name, bool atFit = false)
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            {
                var trainer = new SoftTargetCrossEntropyTrainer(Options with { SoftTargetColumnName = null, Mixup = mixup });
                if (atFit)
                    trainer.Fit(train).Dispose();
            });
            StringAssert.Contains(e.Message, name);
        }
        Refused(new MixupOptions { MixupAlpha = -0.1 }, "Mixup.MixupAlpha");
        Refused(new MixupOptions { CutMixAlpha = -1, ImageShape = [1, 8, 8] }, "Mixup.CutMixAlpha");
        Refused(new MixupOptions { MixupAlpha = double.NaN }, "Mixup.MixupAlpha");
        Refused(new MixupOptions { Probability = 1.5 }, "Mixup.Probability");
        Refused(new MixupOptions { SwitchProbability = -0.5 }, "Mixup.SwitchProbability");
        Refused(new MixupOptions { CutMixAlpha = 1 }, "Mixup.ImageShape");
        Refused(new MixupOptions { ImageShape = [8, 8] }, "Mixup.ImageShape");
        Refused(new MixupOptions { ImageShape = [1, 0, 8] }, "Mixup.ImageShape");
        Refused(new MixupOptions { CutMixAlpha = 1, ImageShape = [2, 8, 8] }, "128", atFit: true);
        var lbfgs = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new SoftTargetCrossEntropyTrainer(Options with { Optimizer = SoftTargetOptimizer.Lbfgs, Epochs = null, Mixup = new MixupOptions() }));
        StringAssert.Contains(lbfgs.Message, "L-BFGS");
    }
}

namespace MLNet.SoftTargets.Tests.Backbones;

/// <summary>
/// <c>BackboneOptions.LearningRateMultiplier</c>: the unfrozen backbone layers step at the head's learning rate times
/// the multiplier — exactly so on the first SGD step, whose update is linear in the rate — and the head is unaffected.
/// </summary>
[TestClass]
public sealed class BackboneLearningRateTests
{
    private static SoftTargetCrossEntropyTrainer.Options Options(double multiplier) => new()
    {
        SoftTargetColumnName = null, Optimizer = SoftTargetOptimizer.Sgd, Momentum = 0, Epochs = 1, BatchSize = 4096, Shuffle = false,
        LearningRate = 0.05, Device = TrainingDevice.Cpu, Threads = 1,
        Backbone = new BackboneOptions { Model = FineTuningTests.Backbone.Value, TrainableLayers = 2, LearningRateMultiplier = multiplier },
    };

    [TestMethod]
    public void OneSgdStep_MovesTheBackboneByTheMultiplierTimesTheFullRatesStep_AndTheHeadAlike()
    {
        var ml = TestData.Context();
        var (train, _) = DigitsData.Split(ml);
        var frozen = new SoftTargetCrossEntropyTrainer(Options(0)).Fit(train).GetParameters();
        var full = new SoftTargetCrossEntropyTrainer(Options(1)).Fit(train).GetParameters();
        var tenth = new SoftTargetCrossEntropyTrainer(Options(0.1)).Fit(train).GetParameters();
        var backbone = full.Keys.Where(k => k.StartsWith("backbone.", StringComparison.Ordinal)).ToList();
        Assert.IsNotEmpty(backbone);
        foreach (var name in full.Keys)
        {
            bool isBackbone = backbone.Contains(name);
            double moved = 0;
            for (int i = 0; i < full[name].Length; i++)
            {
                // frozen[name] holds the pretrained values for backbone tensors (multiplier 0 never moves them).
                double step = full[name][i] - frozen[name][i];
                if (isBackbone)
                {
                    Assert.AreEqual(0.1 * step, tenth[name][i] - frozen[name][i], 1e-6 + 1e-4 * Math.Abs(step), $"{name}[{i}]");
                    moved += Math.Abs(step);
                }
                else
                {
                    // One step from the same start and the same gradient: the head's update does not see the multiplier.
                    Assert.AreEqual(full[name][i], tenth[name][i], 1e-6f, $"{name}[{i}]");
                    Assert.AreEqual(full[name][i], frozen[name][i], 1e-6f, $"{name}[{i}]");
                }
            }
            if (isBackbone)
                Assert.IsGreaterThan(0, moved, $"{name} moved at multiplier 1");
        }
    }

    [TestMethod]
    public void MultiplierZero_KeepsThePretrainedValues_WhileAdamTrainsTheHead()
    {
        var ml = TestData.Context();
        var (train, _) = DigitsData.Split(ml);
        var options = Options(0) with { Optimizer = SoftTargetOptimizer.Adam, Epochs = 2, BatchSize = 64, LearningRate = 0.01 };
        var zero = new SoftTargetCrossEntropyTrainer(options).Fit(train).GetParameters();
        var sgdZero = new SoftTargetCrossEntropyTrainer(Options(0)).Fit(train).GetParameters();
        foreach (var name in zero.Keys.Where(k => k.StartsWith("backbone.", StringComparison.Ordinal)))
            CollectionAssert.AreEqual(sgdZero[name], zero[name], $"{name} stays pretrained");
        var head = zero.Keys.First(k => !k.StartsWith("backbone.", StringComparison.Ordinal));
        Assert.IsTrue(zero[head].Zip(sgdZero[head]).Any(p => p.First != p.Second), "the head trained");
    }

    [TestMethod]
    public void ANegativeOrInfiniteMultiplier_IsRejectedByName()
    {
        foreach (double bad in new[] { -0.1, double.NaN, double.PositiveInfinity })
        {
            var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SoftTargetCrossEntropyTrainer(Options(bad)));
            StringAssert.Contains(e.Message, "Backbone.LearningRateMultiplier");
        }
    }
}

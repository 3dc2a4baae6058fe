using System.Security.Cryptography;
using Microsoft.ML;

namespace MLNet.SoftTargets.Tests.Trainer;

/// <summary>
/// Pins the trainer's arithmetic across refactorings: short digits runs whose trained weights are hashed and compared
/// with the hashes recorded from the code before the engine was moved apart from the ML.NET glue (2026-12-01). The
/// runs are on the CPU with one thread, so ONNX Runtime's kernels run in a fixed order; a change of the
/// initialisation, the shuffle, the batch assembly, the step graph or the optimizer changes the hash.
/// </summary>
[TestClass]
public sealed class WeightPinTests
{
    [TestMethod]
    public void MlpWithAdam_StreamingShuffle_GivesTheRecordedWeights()
    {
        var ml = TestData.Context();
        var (train, _) = DigitsData.Split(ml);
        var options = new SoftTargetCrossEntropyTrainer.Options
        {
            HiddenLayerSizes = [16], Epochs = 3, BatchSize = 64, LearningRate = 0.01, ShuffleBufferSize = 300,
            Device = TrainingDevice.Cpu, Threads = 1,
        };
        var model = ml.MulticlassClassification.Trainers.SoftTargetCrossEntropy(options).Fit(DigitsData.Smoothed(ml, train, 0.1));
        Assert.AreEqual("562A52FCED98DF66", Hash(model.GetParameters()));
    }

    [TestMethod]
    public void CosineHeadWithNesterovSgd_CachedWithWarmupAndCosineSchedule_GivesTheRecordedWeights()
    {
        var ml = TestData.Context();
        var (train, _) = DigitsData.Split(ml);
        var options = new SoftTargetCrossEntropyTrainer.Options
        {
            SoftTargetColumnName = null, HiddenLayerSizes = [24], CosineScale = 16, Optimizer = SoftTargetOptimizer.Sgd, Nesterov = true,
            Momentum = 0.8, WeightDecay = 1e-4, LearningRate = 0.05, Schedule = LearningRateSchedule.Cosine, WarmupSteps = 5,
            Epochs = 2, BatchSize = 50, CacheData = true, Seed = 7, Device = TrainingDevice.Cpu, Threads = 1,
        };
        var model = ml.MulticlassClassification.Trainers.SoftTargetCrossEntropy(options).Fit(train);
        Assert.AreEqual("2DEBA3DD7A7D2101", Hash(model.GetParameters()));
    }

    [TestMethod]
    public void BackboneWithOneTrainableLayer_AndValidationData_GivesTheRecordedWeights()
    {
        var ml = TestData.Context();
        var (train, test) = DigitsData.Split(ml);
        var options = new SoftTargetCrossEntropyTrainer.Options
        {
            SoftTargetColumnName = null, Optimizer = SoftTargetOptimizer.AdamW, WeightDecay = 0.01, Epochs = 2, BatchSize = 64,
            LearningRate = 0.01, EarlyStoppingPatience = 1, Device = TrainingDevice.Cpu, Threads = 1,
            Backbone = new BackboneOptions { Model = Backbones.FineTuningTests.Backbone.Value, TrainableLayers = 1 },
        };
        var model = new SoftTargetCrossEntropyTrainer(options).Fit(train, test);
        Assert.AreEqual("06AED01EAF6FAC1E", Hash(model.GetParameters()));
    }

    /// <summary>SHA-256 of every parameter's float bits, in name order.</summary>
    private static string Hash(IReadOnlyDictionary<string, float[]> parameters)
    {
        using var sha = SHA256.Create();
        foreach (var (name, values) in parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var nameBytes = System.Text.Encoding.UTF8.GetBytes(name);
            sha.TransformBlock(nameBytes, 0, nameBytes.Length, null, 0);
            var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
            sha.TransformBlock(bytes, 0, bytes.Length, null, 0);
        }
        sha.TransformFinalBlock([], 0, 0);
        return Convert.ToHexString(sha.Hash!)[..16];
    }
}

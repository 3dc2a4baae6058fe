using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets.Tests.Trainer;

[TestClass]
public sealed class TrainerCheckpointTests
{
    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void AnInterruptedRunResumedFromItsCheckpoint_EndsWithExactlyTheUninterruptedWeights(bool cacheData)
    {
        var ml = TestData.Context();
        var (train, _) = DigitsData.Split(ml);
        var options = new SoftTargetCrossEntropyTrainer.Options
        {
            SoftTargetColumnName = null, HiddenLayerSizes = [16], Epochs = 3, BatchSize = 64, LearningRate = 0.01,
            Device = TrainingDevice.Cpu, Threads = 2, CacheData = cacheData, ShuffleBufferSize = 200, CheckpointInterval = 5,
            Schedule = LearningRateSchedule.Cosine, WarmupSteps = 4,
        };
        var uninterrupted = new SoftTargetCrossEntropyTrainer(options).Fit(train).GetParameters();

        string directory = Path.Combine(Path.GetTempPath(), "softtarget-checkpoint-" + Guid.NewGuid().ToString("N"));
        try
        {
            // Kill the run mid-epoch: cancel from inside the data after 37 batches' worth of rows have been read.
            using var cancel = new CancellationTokenSource();
            var interrupted = new CancelAfterRows(train, cacheData ? 1400 + 1 : 37 * 64, cancel);
            var first = new SoftTargetCrossEntropyTrainer(options with { CheckpointDirectory = directory, CancellationToken = cancel.Token });
            if (cacheData)
            {
                // The cache is read up front, so cancel from the progress report after epoch 1 instead.
                first = new SoftTargetCrossEntropyTrainer(options with
                {
                    CheckpointDirectory = directory, CancellationToken = cancel.Token, Progress = new SynchronousProgress(_ => cancel.Cancel()),
                });
            }
            Assert.ThrowsExactly<OperationCanceledException>(() => first.Fit(cacheData ? train : interrupted));
            Assert.IsTrue(File.Exists(Path.Combine(directory, "checkpoint.bin")));

            var log = new List<string>();
            var resumed = new SoftTargetCrossEntropyTrainer(options with { CheckpointDirectory = directory, Log = log.Add }).Fit(train);
            Assert.IsTrue(log.Any(l => l.StartsWith("Resuming")), string.Join(" | ", log));
            var weights = resumed.GetParameters();
            foreach (var name in uninterrupted.Keys)
                CollectionAssert.AreEqual(uninterrupted[name], weights[name], name);
            Assert.HasCount(3, resumed.History);
        }
        finally
        {
            if (Directory.Exists(directory))
                Directory.Delete(directory, recursive: true);
        }
    }

    [TestMethod]
    public void ACheckpointOfAnotherConfiguration_IsNotResumed()
    {
        var ml = TestData.Context();
        var (train, _) = DigitsData.Split(ml);
        string directory = Path.Combine(Path.GetTempPath(), "softtarget-checkpoint-" + Guid.NewGuid().ToString("N"));
        try
        {
            var options = new SoftTargetCrossEntropyTrainer.Options { SoftTargetColumnName = null, Epochs = 1, Device = TrainingDevice.Cpu, CheckpointDirectory = directory };
            new SoftTargetCrossEntropyTrainer(options).Fit(train);
            var log = new List<string>();
            new SoftTargetCrossEntropyTrainer(options with { LearningRate = 0.5, Log = log.Add }).Fit(train);
            Assert.IsTrue(log.Any(l => l.Contains("another configuration")), string.Join(" | ", log));
        }
        finally
        {
            if (Directory.Exists(directory))
                Directory.Delete(directory, recursive: true);
        }
    }
}

using MLNet.SoftTargets.Engine;

namespace MLNet.SoftTargets.Tests.Engine;

/// <summary>The engine's batch assembly over plain buffers: no ML.NET, an <see cref="IExampleSource"/> over arrays.</summary>
[TestClass]
public sealed class BatchSourceTests
{
    /// <summary>Examples over arrays: feature row i holds i (D times), target the one-hot of i mod K; rows in <see cref="Missing"/> are skipped.</summary>
    private sealed class ArrayExamples(int count, int featureCount, int classCount, params int[] missing) : IExampleSource
    {
        public int[] Missing { get; } = missing;

        public int FeatureCount => featureCount;

        public int ClassCount => classCount;

        public bool CanShuffle => false;

        public string Description => "The arrays";

        public int Passes { get; private set; }

        public IExamplePass Open(Random? shuffle)
        {
            Passes++;
            return new Pass(this, count);
        }

        private sealed class Pass(ArrayExamples source, int count) : IExamplePass
        {
            private int _next;

            public long SkippedRows { get; private set; }

            public bool TryRead(Span<float> features, Span<float> target, out float weight)
            {
                for (; _next < count; _next++)
                {
                    if (source.Missing.Contains(_next))
                    {
                        SkippedRows++;
                        continue;
                    }
                    features.Fill(_next);
                    target.Clear();
                    target[_next % source.ClassCount] = 1;
                    weight = 0.5f;
                    _next++;
                    return true;
                }
                weight = 0;
                return false;
            }

            public void Dispose()
            {
            }
        }
    }

    private static List<float> Epoch(BatchSource source, int epoch, int batchSize, int d, int k, long skipBatches = 0)
    {
        var ids = new List<float>();
        var x = new float[batchSize * d];
        var q = new float[batchSize * k];
        var w = new float[batchSize];
        using var batches = source.StartEpoch(epoch, batchSize, skipBatches);
        int rows;
        while ((rows = batches.Next(x, q, w)) > 0)
        {
            for (int r = 0; r < rows; r++)
            {
                Assert.AreEqual(x[r * d], x[r * d + d - 1], "a row is copied whole");
                Assert.AreEqual(1f, q[(r * k) + ((int)x[r * d] % k)], "its target travels with it");
                Assert.AreEqual(0.5f, w[r]);
                ids.Add(x[r * d]);
            }
        }
        return ids;
    }

    [TestMethod]
    public void TheCache_ReadsTheExamplesOnce_AndGivesEachEpochASeededPermutationOfAll()
    {
        var examples = new ArrayExamples(23, 3, 4, missing: [5, 17]);
        var settings = new BatchSettings(Epochs: 2, BatchSize: 4, Shuffle: true, ShuffleBufferSize: 8, CacheData: true, Seed: 42);
        var source = new CachedBatchSource(examples, settings);
        Assert.AreEqual(1, examples.Passes);
        Assert.AreEqual(21L, source.ExampleCount);
        Assert.AreEqual(2L, source.SkippedRows);

        var first = Epoch(source, 0, 4, 3, 4);
        var second = Epoch(source, 1, 4, 3, 4);
        var expected = Enumerable.Range(0, 23).Where(i => i is not (5 or 17)).Select(i => (float)i).ToList();
        CollectionAssert.AreEquivalent(expected, first);
        CollectionAssert.AreEquivalent(expected, second);
        CollectionAssert.AreNotEqual(first, second, "epochs are shuffled differently");
        CollectionAssert.AreEqual(first, Epoch(new CachedBatchSource(examples, settings), 0, 4, 3, 4), "the shuffle is a function of seed and epoch");
        CollectionAssert.AreEqual(first.Skip(8).ToList(), Epoch(source, 0, 4, 3, 4, skipBatches: 2), "resuming skips whole batches");
    }

    [TestMethod]
    public void TheStream_WithoutShuffle_GivesTheRowsInOrder_AndLearnsTheCountAtTheEnd()
    {
        var examples = new ArrayExamples(10, 2, 3, missing: [0]);
        var source = new StreamingBatchSource(examples, new BatchSettings(1, 4, Shuffle: false, 8, false, 1));
        Assert.IsNull(source.ExampleCount);
        CollectionAssert.AreEqual(Enumerable.Range(1, 9).Select(i => (float)i).ToList(), Epoch(source, 0, 4, 2, 3));
        Assert.AreEqual(9L, source.ExampleCount);
        Assert.AreEqual(1L, source.SkippedRows);
    }

    [TestMethod]
    public void TheStream_WithShuffle_DrawsEveryRowOnceThroughItsBuffer()
    {
        var examples = new ArrayExamples(50, 1, 2);
        var source = new StreamingBatchSource(examples, new BatchSettings(1, 7, Shuffle: true, ShuffleBufferSize: 5, false, 3));
        var rows = Epoch(source, 0, 7, 1, 2);
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 50).Select(i => (float)i).ToList(), rows);
        CollectionAssert.AreNotEqual(rows.Order().ToList(), rows, "the buffer reorders the rows");
        // A buffer of 5 can move a row at most 4 places earlier than it arrives.
        for (int i = 0; i < rows.Count; i++)
            Assert.IsTrue(rows[i] <= i + 4, $"row {rows[i]} came out at {i}");
    }

    [TestMethod]
    public void TheLearningRate_WarmsUpLinearly_ThenFollowsTheSchedule()
    {
        var cosine = new ScheduleSettings(LearningRateSchedule.Cosine, 10, 0.1, WarmupSteps: 4);
        Assert.AreEqual(0.25, LearningRates.At(1, cosine, 0, 0, 104), 1e-15);
        Assert.AreEqual(1.0, LearningRates.At(1, cosine, 3, 0, 104), 1e-15);
        Assert.AreEqual(1.0, LearningRates.At(1, cosine, 4, 0, 104), 1e-15);
        Assert.AreEqual(0.5, LearningRates.At(1, cosine, 54, 0, 104), 1e-12);
        Assert.AreEqual(0.0, LearningRates.At(1, cosine, 104, 0, 104), 1e-12);
        var step = new ScheduleSettings(LearningRateSchedule.Step, 3, 0.5, 0);
        Assert.AreEqual(0.25, LearningRates.At(1, step, 100, 7, 0), 1e-15);
    }
}

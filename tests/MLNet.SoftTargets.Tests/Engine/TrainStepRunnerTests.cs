using MLNet.SoftTargets.Datasets;
using MLNet.SoftTargets.Graphs.Blocks;
using MLNet.SoftTargets.Engine;

namespace MLNet.SoftTargets.Tests.Engine;

[TestClass]
public sealed class TrainStepRunnerTests
{
    private static TrainStepRunner CreateRunner(ClassifierHead head, int batchSize, OptimizerBlock optimizer, int seed = 1)
    {
        var network = new ClassifierNetwork(head);
        var graph = TrainStepGraph.Build(network, optimizer, lossTemperature: 1, withWeights: false);
        var (options, _) = ExecutionProviders.Create(TrainingDevice.Cpu, 1, null);
        using (options)
            return new TrainStepRunner(graph, network.Initialize(seed), batchSize, head.InputSize, head.ClassCount, options);
    }

    [TestMethod]
    public void TrainingAnMlpOnTheDigits_LowersTheLoss()
    {
        var rows = DigitsDataset.LoadEmbedded();
        const int batch = 64, classes = 10;
        using var runner = CreateRunner(new ClassifierHead(64, classes, [32], null), batch, new AdamBlock(0.9, 0.999, 1e-8, 0, false));
        var epochLoss = new List<double>();
        for (int epoch = 0; epoch < 4; epoch++)
        {
            double total = 0;
            int batches = 0;
            for (int start = 0; start < rows.Count; start += batch)
            {
                int n = Math.Min(batch, rows.Count - start);
                runner.Targets.Clear();
                for (int r = 0; r < n; r++)
                {
                    var row = rows[start + r];
                    for (int i = 0; i < 64; i++)
                        runner.Features[r * 64 + i] = row.Features[i] / 16f;
                    runner.Targets[r * classes + int.Parse(row.Digit)] = 1f;
                }
                total += runner.Step(n, 0.01f);
                batches++;
            }
            epochLoss.Add(total / batches);
        }
        Assert.IsTrue(epochLoss[0] > 0.3, $"first epoch loss {epochLoss[0]:F3} starts high");
        Assert.IsTrue(epochLoss[^1] < 0.25 * epochLoss[0], $"loss per epoch: {string.Join(", ", epochLoss.Select(l => l.ToString("F3")))}");
        Assert.AreEqual(4 * (long)Math.Ceiling(rows.Count / (double)batch), runner.StepCount);
    }

    [TestMethod]
    public void ManagedAllocations_DoNotGrowOver1000Steps()
    {
        const int batch = 32;
        using var runner = CreateRunner(new ClassifierHead(20, 5, [16], null), batch, new AdamBlock(0.9, 0.999, 1e-8, 0, false));
        var random = new Random(2);
        for (int i = 0; i < runner.Features.Length; i++)
            runner.Features[i] = (float)random.NextDouble();
        for (int r = 0; r < batch; r++)
            runner.Targets[r * 5 + r % 5] = 1f;

        for (int i = 0; i < 20; i++)
            runner.Step(batch, 1e-3f);     // warm-up: first runs may allocate caches
        var perBlock = new long[10];
        for (int block = 0; block < perBlock.Length; block++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 100; i++)
                runner.Step(batch, 1e-3f);
            perBlock[block] = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        // Constant per step: every block of 100 steps allocates the same (small) amount.
        Assert.IsTrue(perBlock.Max() - perBlock.Min() <= 1024, $"bytes per 100 steps: {string.Join(", ", perBlock)}");
        Assert.IsTrue(perBlock.Max() <= 100 * 256, $"bytes per 100 steps: {string.Join(", ", perBlock)}");
    }

    [TestMethod]
    public void APartialLastBatch_TrainsOnlyTheRowsPresent()
    {
        // Same data, once as a batch of 3 in a runner of 3 and once as 3 rows of a runner of 8 (the rest garbage):
        // the updates must be identical.
        var head = new ClassifierHead(4, 3, [], null);
        // Plain SGD: a step with learning rate 0 leaves the state exactly as it was.
        using var exact = CreateRunner(head, 3, new SgdBlock(0, false, 0));
        using var padded = CreateRunner(head, 8, new SgdBlock(0, false, 0));
        var random = new Random(4);
        for (int i = 0; i < padded.Features.Length; i++)
            padded.Features[i] = (float)random.NextDouble() * 100;
        padded.Targets.Fill(1f);
        for (int step = 0; step < 3; step++)
        {
            for (int i = 0; i < 12; i++)
                exact.Features[i] = padded.Features[i] = (float)random.NextDouble();
            for (int i = 0; i < 9; i++)
                exact.Targets[i] = padded.Targets[i] = i % 4 == 0 ? 1f : 0f;
            Assert.AreEqual(exact.Step(3, 0.1f), padded.Step(3, 0.1f), 0f, "loss");
            padded.Step(8, 0f);   // a full batch in between, with lr 0 (state must be unaffected by rebinding)
            exact.Step(3, 0f);
        }
        CollectionAssert.AreEqual(exact.ReadState("layer0.weight"), padded.ReadState("layer0.weight"));
        CollectionAssert.AreEqual(exact.ReadState("layer0.bias"), padded.ReadState("layer0.bias"));
    }

    [TestMethod]
    public void WriteState_RestoresParameters_AndStepCount()
    {
        using var runner = CreateRunner(new ClassifierHead(3, 2, [], null), 2, new AdamBlock(0.9, 0.999, 1e-8, 0, false));
        var values = new float[] { 1, 2, 3, 4, 5, 6 };
        runner.WriteState("layer0.weight", values, stepCount: 41);
        CollectionAssert.AreEqual(values, runner.ReadState("layer0.weight"));
        Assert.AreEqual(41, runner.StepCount);
        Assert.ThrowsExactly<ArgumentException>(() => runner.WriteState("layer0.weight", new float[5]));
        Assert.ThrowsExactly<KeyNotFoundException>(() => runner.ReadState("nope"));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => runner.Step(3, 0.1f));
    }
}

using MLNet.SoftTargets.Engine;
using MLNet.SoftTargets.Graphs.Blocks;

namespace MLNet.SoftTargets.Tests.Engine;

/// <summary>
/// The L2 strength of the default L-BFGS, chosen on rows the fit does not see: strong where the data cannot pin the
/// weights down, weak where it can; the rows' in-place shuffle keeps every row whole; an objective over parts is the
/// objective over their rows together.
/// </summary>
[TestClass]
public sealed class RegularisationPathTests
{
    [TestMethod]
    public void FewNoisyRowsWithManyFeatures_ChooseAStrongL2()
    {
        // 80 rows, 120 features of which one carries the class, a quarter of the labels flipped: an unregularised fit
        // interpolates the noise, so held-out rows favour the strong end of the path.
        var random = new Random(11);
        var (x, q) = Binary(random, 80, 120, flip: 0.25, signal: 1.0);
        double m = Choose(x, q);
        Assert.IsGreaterThanOrEqualTo(16, m, $"chose {m}/Σw");
    }

    [TestMethod]
    public void ManyCleanRowsWithTwoFeatures_ChooseTheWeakEnd()
    {
        // 400 rows of 2 features, the classes split by a line with no label noise: sharper is always better on held-out rows.
        var random = new Random(12);
        var (x, q) = Binary(random, 400, 2, flip: 0, signal: 1.0);
        double m = Choose(x, q);
        Assert.IsLessThanOrEqualTo(1, m, $"chose {m}/Σw");
    }

    [TestMethod]
    public void ShuffleRows_MovesWholeRows_InTheSeededOrder()
    {
        const int rows = 257, d = 3;
        var x = Enumerable.Range(0, rows).Select(r => Enumerable.Range(0, d).Select(j => (float)(r * 10 + j)).ToArray()).ToArray();
        var q = Enumerable.Range(0, rows).Select(r => new[] { r / 1000f, 1 - r / 1000f }).ToArray();
        var w = Enumerable.Range(0, rows).Select(r => 1 + r / 100f).ToArray();
        var data = new CachedBatchSource(new ArrayExampleSource(x, q, w), new BatchSettings(1, 1, false, 1, true, 1));
        data.Rows.Shuffle(5);

        var order = Enumerable.Range(0, rows).ToArray();
        new Random(5).Shuffle(order);
        var view = data.Rows;
        for (int i = 0; i < rows; i++)
        {
            int from = order[i];
            CollectionAssert.AreEqual(x[from], view.Features(i).ToArray(), $"features of row {i}");
            CollectionAssert.AreEqual(q[from], view.Targets(i).ToArray(), $"targets of row {i}");
            Assert.AreEqual(w[from], view.Weight(i), $"weight of row {i}");
        }
        Assert.IsFalse(order.SequenceEqual(Enumerable.Range(0, rows)), "the seed moved rows");
    }

    [TestMethod]
    public void ARowStoreInSmallBlocks_KeepsEveryRow_AndItsPartsCoverExactlyTheRowsAsked()
    {
        const int d = 3, k = 2, rows = 50;
        var store = new RowStore(d, k, blockValues: 8 * d);
        Assert.AreEqual(8, store.RowsPerBlock);
        for (int r = 0; r < rows; r++)
            store.Append([r, r + 0.25f, r + 0.5f], [r / 100f, 1 - r / 100f], r + 1);
        Assert.AreEqual(rows, store.Count);
        var parts = store.Parts(5, 20);
        CollectionAssert.AreEqual(new[] { 3, 8, 8, 1 }, parts.Select(p => p.Count).ToArray(), "rows 5..24 over blocks 0..3");
        var firsts = parts.SelectMany(p => Enumerable.Range(0, p.Count).Select(i => p.Features.Span[i * d])).ToArray();
        CollectionAssert.AreEqual(Enumerable.Range(5, 20).Select(i => (float)i).ToArray(), firsts);
        store.Shuffle(3);
        var seen = Enumerable.Range(0, rows).Select(i => (int)store.Features(i)[0]).ToArray();
        CollectionAssert.AreEquivalent(Enumerable.Range(0, rows).ToArray(), seen, "a permutation of the rows");
        for (int i = 0; i < rows; i++)
        {
            int original = seen[i];
            Assert.AreEqual(original + 0.5f, store.Features(i)[2]);
            Assert.AreEqual(1 - original / 100f, store.Targets(i)[1]);
            Assert.AreEqual(original + 1, store.Weight(i));
        }
    }

    [TestMethod]
    public void AnObjectiveOverParts_EqualsTheObjectiveOverTheirRows()
    {
        const int rows = 300, d = 5, k = 3;
        var random = new Random(4);
        var x = Enumerable.Range(0, rows).Select(_ => Enumerable.Range(0, d).Select(_ => (float)random.NextDouble()).ToArray()).ToArray();
        var q = Enumerable.Range(0, rows).Select(r => Enumerable.Range(0, k).Select(c => c == r % k ? 0.8f : 0.1f).ToArray()).ToArray();
        var data = new CachedBatchSource(new ArrayExampleSource(x, q), new BatchSettings(1, 1, false, 1, true, 1)).Rows;
        // Blocks of 64 rows: the parts below cross block boundaries.
        var blocked = new RowStore(d, k, blockValues: 64 * d);
        for (int r = 0; r < rows; r++)
            blocked.Append(x[r], q[r], 1);
        var network = new ClassifierNetwork(new ClassifierHead(d, k, [], null));
        var (options, _) = ExecutionProviders.Create(TrainingDevice.Cpu, 1, null);
        using var _options = options;
        var loss = new LossSettings(1, ExampleWeights: false);
        using var session = new LossGradientSession(network, loss, options);
        using var whole = new FullBatchObjective(session, data.All, 0.01);
        using var parts = new FullBatchObjective(session, [.. blocked.Parts(0, 40), .. blocked.Parts(40, 200), .. blocked.Parts(240, 60)], 0.01);
        var theta = Enumerable.Range(0, whole.Dimension).Select(_ => random.NextDouble() - 0.5).ToArray();
        var g1 = new double[whole.Dimension];
        var g2 = new double[whole.Dimension];
        double f1 = whole.Evaluate(theta, g1), f2 = parts.Evaluate(theta, g2);
        Assert.AreEqual(f1, f2, 1e-6 * Math.Abs(f1));
        for (int i = 0; i < g1.Length; i++)
            Assert.AreEqual(g1[i], g2[i], 1e-6, $"∂f/∂θ[{i}]");
        Assert.AreEqual(rows, parts.TotalWeight);
    }

    private static (float[][] X, float[][] Q) Binary(Random random, int rows, int features, double flip, double signal)
    {
        var x = new float[rows][];
        var q = new float[rows][];
        for (int r = 0; r < rows; r++)
        {
            x[r] = Enumerable.Range(0, features).Select(_ => (float)Normal(random)).ToArray();
            bool positive = features == 2 ? x[r][0] > x[r][1] : x[r][0] * signal > 0;
            if (random.NextDouble() < flip)
                positive = !positive;
            q[r] = positive ? [0, 1] : [1, 0];
        }
        return (x, q);
    }

    private static double Choose(float[][] x, float[][] q)
    {
        var source = new CachedBatchSource(new ArrayExampleSource(x, q), new BatchSettings(1, 1, false, 1, true, 1));
        var network = new ClassifierNetwork(new ClassifierHead(x[0].Length, 2, [], null));
        var (options, _) = ExecutionProviders.Create(TrainingDevice.Cpu, 1, null);
        using var _options = options;
        var loss = new LossSettings(1, ExampleWeights: false);
        var run = new RunSettings(TrainingDevice.Cpu, 1, null, 1, null, null, CancellationToken.None);
        (IReadOnlyDictionary<string, float[]>, IReadOnlyList<TrainingProgress>) Fit(FullBatchObjective objective, IReadOnlyDictionary<string, float[]> start, bool final) =>
            new LbfgsLoop(objective, new LbfgsSettings(1000, 1e-7), run, null, new StoppingSettings(null, EarlyStoppingMetric.LogLoss), 0).Run(start);
        var log = new List<string>();
        using var session = new LossGradientSession(network, loss, options);
        var (m, _) = RegularisationPath.Choose(session, source.Rows, network.Initialize(1), null, Fit, log.Add, CancellationToken.None);
        foreach (string line in log)
            Console.WriteLine(line);
        return m;
    }

    private static double Normal(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}

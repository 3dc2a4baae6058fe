using MLNet.SoftTargets.Engine;
using MLNet.SoftTargets.Graphs.Blocks;

namespace MLNet.SoftTargets.Tests.Engine;

/// <summary>The full-batch objective of L-BFGS: its value against a managed computation, its gradient against finite differences.</summary>
[TestClass]
public sealed class FullBatchObjectiveTests
{
    [TestMethod]
    public void TheObjective_IsTheWeightedMeanSoftTargetCrossEntropyPlusL2_AndItsGradientMatchesFiniteDifferences()
    {
        const int rows = 20_000, d = 4, k = 3;
        var random = new Random(3);
        var x = Enumerable.Range(0, rows).Select(_ => Enumerable.Range(0, d).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray()).ToArray();
        var q = Enumerable.Range(0, rows).Select(_ =>
        {
            var raw = Enumerable.Range(0, k).Select(_ => (float)random.NextDouble() + 0.1f).ToArray();
            return raw.Select(v => v / raw.Sum()).ToArray();
        }).ToArray();
        var w = Enumerable.Range(0, rows).Select(_ => (float)random.NextDouble() + 0.5f).ToArray();
        var network = new ClassifierNetwork(new ClassifierHead(d, k, [], null));
        var data = new CachedBatchSource(new ArrayExampleSource(x, q, w), new BatchSettings(1, 1, false, 1, true, 1));
        var (options, _) = ExecutionProviders.Create(TrainingDevice.Cpu, 1, null);
        using var _options = options;
        using var session = new LossGradientSession(network, new LossSettings(1.5, ExampleWeights: true), options);
        using var objective = new FullBatchObjective(session, data.Rows.All, l2: 0.3);
        var theta = Enumerable.Range(0, objective.Dimension).Select(_ => random.NextDouble() - 0.5).ToArray();
        var gradient = new double[objective.Dimension];
        double f = objective.Evaluate(theta, gradient);

        // Independent value: logits z = x·W + b (W row-major [d, k], then b), loss at temperature 1.5, L2 on W only.
        double expected = 0, weightSum = 0;
        for (int n = 0; n < rows; n++)
        {
            var z = Enumerable.Range(0, k).Select(c => (theta[d * k + c] + Enumerable.Range(0, d).Sum(i => x[n][i] * theta[i * k + c])) / 1.5).ToArray();
            double max = z.Max(), lse = max + Math.Log(z.Sum(v => Math.Exp(v - max)));
            expected += w[n] * Enumerable.Range(0, k).Sum(c => -q[n][c] * (z[c] - lse));
            weightSum += w[n];
        }
        expected = expected / weightSum + 0.5 * 0.3 * theta.Take(d * k).Sum(v => v * v);
        Assert.AreEqual(expected, f, 1e-5 * Math.Abs(expected), "objective value");

        const double h = 1e-3;
        for (int i = 0; i < objective.Dimension; i++)
        {
            var plus = (double[])theta.Clone();
            var minus = (double[])theta.Clone();
            plus[i] += h;
            minus[i] -= h;
            double numeric = (objective.Evaluate(plus, new double[objective.Dimension]) - objective.Evaluate(minus, new double[objective.Dimension])) / (2 * h);
            Assert.AreEqual(numeric, gradient[i], 2e-3 * Math.Max(1, Math.Abs(numeric)), $"∂f/∂θ[{i}]");
        }
    }
}

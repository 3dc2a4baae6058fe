using MLNet.SoftTargets.Graphs.Blocks;
using MLNet.SoftTargets.Engine;

namespace MLNet.SoftTargets.Tests.Graphs.Blocks;

[TestClass]
public sealed class TrainStepTests
{
    [TestMethod]
    public void MlpAdamStep_WithSoftTargetsTemperatureWeightsAndAMissingRow_EqualsTheManagedReference()
    {
        const int inputSize = 6, classes = 4, rows = 5, steps = 3;
        const double temperature = 2.5, lr = 0.01;
        var head = new ClassifierHead(inputSize, classes, [7], cosineScale: null);
        var network = new ClassifierNetwork(head);
        var initial = network.Initialize(3);
        var parameters = network.Parameters.Select(p => (p.Name, Initial: initial[p.Name])).ToArray();
        var graph = TrainStepGraph.Build(network, new AdamBlock(0.9, 0.999, 1e-8, 0, false), temperature, withWeights: true);
        var (options, _) = ExecutionProviders.Create(TrainingDevice.Cpu, 1, null);
        using var _options = options;
        using var runner = new TrainStepRunner(graph, initial, rows, inputSize, classes, options);

        var random = new Random(5);
        var x = Enumerable.Range(0, rows * inputSize).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var q = new double[rows * classes];
        for (int n = 0; n < rows; n++)
        {
            var raw = Enumerable.Range(0, classes).Select(_ => random.NextDouble()).ToArray();
            for (int c = 0; c < classes; c++)
                q[n * classes + c] = raw[c] / raw.Sum();
        }
        q[2 * classes + 1] = double.NaN;      // row 2 is missing
        var w = new[] { 1.0, 0.5, 3.0, 2.0, 0.25 };

        var layers = new List<ManagedReference.Layer>
        {
            new(Array.ConvertAll(parameters[0].Initial, v => (double)v), Array.ConvertAll(parameters[1].Initial, v => (double)v), inputSize, 7),
            new(Array.ConvertAll(parameters[2].Initial, v => (double)v), Array.ConvertAll(parameters[3].Initial, v => (double)v), 7, classes),
        };
        var moments = layers.SelectMany(l => new[] { (new double[l.Weight.Length], new double[l.Weight.Length]), (new double[l.Bias.Length], new double[l.Bias.Length]) }).ToArray();

        for (int t = 1; t <= steps; t++)
        {
            x.Select(v => (float)v).ToArray().CopyTo(runner.Features);
            q.Select(v => (float)v).ToArray().CopyTo(runner.Targets);
            w.Select(v => (float)v).ToArray().CopyTo(runner.Weights);
            float loss = runner.Step(rows, (float)lr);

            var (expectedLoss, gradients) = ManagedReference.LossAndGradients(layers, x, rows, q, w, temperature);
            Assert.AreEqual(expectedLoss, loss, 1e-5 * Math.Abs(expectedLoss), $"loss at step {t}");
            for (int l = 0; l < layers.Count; l++)
            {
                ManagedReference.Adam(layers[l].Weight, gradients[l].Weight, moments[2 * l].Item1, moments[2 * l].Item2, lr, t, 0.9, 0.999, 1e-8, 0, false);
                ManagedReference.Adam(layers[l].Bias, gradients[l].Bias, moments[2 * l + 1].Item1, moments[2 * l + 1].Item2, lr, t, 0.9, 0.999, 1e-8, 0, false);
            }
            AssertClose(layers[0].Weight, runner.ReadState("layer0.weight"), $"layer0.weight after step {t}");
            AssertClose(layers[0].Bias, runner.ReadState("layer0.bias"), $"layer0.bias after step {t}");
            AssertClose(layers[1].Weight, runner.ReadState("layer1.weight"), $"layer1.weight after step {t}");
            AssertClose(layers[1].Bias, runner.ReadState("layer1.bias"), $"layer1.bias after step {t}");
        }
    }

    private static void AssertClose(double[] expected, float[] actual, string what)
    {
        Assert.HasCount(expected.Length, actual, what);
        for (int i = 0; i < expected.Length; i++)
            Assert.AreEqual(expected[i], actual[i], 2e-6 + 1e-5 * Math.Abs(expected[i]), $"{what}[{i}]");
    }
}

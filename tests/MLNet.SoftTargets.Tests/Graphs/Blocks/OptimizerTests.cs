using Onnx;
using MLNet.SoftTargets.Graphs;
using MLNet.SoftTargets.Graphs.Blocks;
using MLNet.SoftTargets.Tests.Graphs;

namespace MLNet.SoftTargets.Tests.Graphs.Blocks;

/// <summary>The optimizer blocks, run as float64 graphs for 6 steps with changing gradients and learning rates, equal PyTorch's update rules written out by hand.</summary>
[TestClass]
public sealed class OptimizerTests
{
    private const int Size = 7;
    private const int Steps = 6;

    [TestMethod]
    [DataRow(0.0, false)]
    [DataRow(0.01, false)]
    [DataRow(0.05, true)]
    public void Adam_AndAdamW_MatchTheReference(double weightDecay, bool decoupled)
    {
        var block = new AdamBlock(0.9, 0.999, 1e-8, weightDecay, decoupled);
        Run(block, (p, g, state, lr, t) => ManagedReference.Adam(p, g, state[0], state[1], lr, t, 0.9, 0.999, 1e-8, weightDecay, decoupled));
    }

    [TestMethod]
    [DataRow(0.0, false, 0.0)]
    [DataRow(0.9, false, 0.0)]
    [DataRow(0.9, true, 0.0)]
    [DataRow(0.8, true, 0.01)]
    public void Sgd_WithMomentumAndNesterov_MatchesTheReference(double momentum, bool nesterov, double weightDecay)
    {
        var block = new SgdBlock(momentum, nesterov, weightDecay);
        Run(block, (p, g, state, lr, t) => ManagedReference.Sgd(p, g, momentum > 0 ? state[0] : new double[Size], lr, momentum, nesterov, weightDecay));
    }

    private delegate void ReferenceStep(double[] parameter, double[] gradient, double[][] state, double learningRate, int step);

    private static void Run(OptimizerBlock block, ReferenceStep reference)
    {
        var g = new GraphBuilder(TensorProto.Types.DataType.Double);
        var p = g.AddInput("p", [Size]);
        var grad = g.AddInput("g", [Size]);
        var lr = g.AddInput("lr", []);
        var step = g.AddInput("step", []);
        var state = block.StateSuffixes.Select(s => g.AddInput("p." + s, [Size])).ToArray();
        block.Prepare(g, lr, step);
        var (updated, newState) = block.Update(g, p, grad, state, lr);
        g.AddOutput(updated, "p.out");
        for (int i = 0; i < newState.Length; i++)
            g.AddOutput(newState[i], state[i] + ".out");
        using var runner = new OnnxTestRunner(g.ToModel());

        var random = new Random(11);
        var parameter = Enumerable.Range(0, Size).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var graphParameter = (double[])parameter.Clone();
        var graphState = state.Select(_ => new double[Size]).ToArray();
        var referenceState = state.Select(_ => new double[Size]).ToArray();
        for (int t = 1; t <= Steps; t++)
        {
            var gradient = Enumerable.Range(0, Size).Select(_ => random.NextDouble() * 2 - 1).ToArray();
            double learningRate = 0.01 * t;   // a schedule: the rate is a graph input
            var inputs = new Dictionary<string, TestTensor>
            {
                ["p"] = new(graphParameter, [Size]),
                ["g"] = new(gradient, [Size]),
                ["lr"] = TestTensor.Scalar(learningRate),
                ["step"] = TestTensor.Scalar(t),
            };
            for (int i = 0; i < state.Length; i++)
                inputs[state[i]] = new(graphState[i], [Size]);
            var outputs = runner.Run(inputs);
            graphParameter = outputs["p.out"].Data;
            for (int i = 0; i < state.Length; i++)
                graphState[i] = outputs[state[i] + ".out"].Data;

            reference(parameter, gradient, referenceState, learningRate, t);
            for (int k = 0; k < Size; k++)
                Assert.AreEqual(parameter[k], graphParameter[k], 1e-6 * Math.Abs(parameter[k]) + 1e-12, $"step {t}, element {k}");
        }
    }
}

using Onnx;
using MLNet.SoftTargets.Graphs;
using MLNet.SoftTargets.Graphs.Autodiff;
using MLNet.SoftTargets.Graphs.Blocks;
using MLNet.SoftTargets.Tests.Graphs;

namespace MLNet.SoftTargets.Tests.Graphs.Blocks;

/// <summary>
/// The whole loss (soft-target cross-entropy with temperature, example weights and a missing row) differentiated
/// through each head, checked against central finite differences for every parameter element, in float64.
/// </summary>
[TestClass]
public sealed class HeadGradientTests
{
    private const int InputSize = 4, Classes = 3, Rows = 5;

    [TestMethod]
    public void LinearHead_LossGradients_MatchFiniteDifferences() => Check(new ClassifierHead(InputSize, Classes, [], null), "linear");

    [TestMethod]
    public void MlpHead_LossGradients_MatchFiniteDifferences() => Check(new ClassifierHead(InputSize, Classes, [5, 4], null), "mlp");

    [TestMethod]
    public void CosineHead_LossGradients_MatchFiniteDifferences() => Check(new ClassifierHead(InputSize, Classes, [5], cosineScale: 8), "cosine");

    private static void Check(ClassifierHead head, string label)
    {
        var network = new ClassifierNetwork(head);
        var initial = network.Initialize(1);
        var parameters = network.Parameters;
        var g = new GraphBuilder(TensorProto.Types.DataType.Double);
        var features = g.AddInput("features", [GraphBuilder.Dynamic, InputSize]);
        var targets = g.AddInput("targets", [GraphBuilder.Dynamic, Classes]);
        var weights = g.AddInput("weights", [GraphBuilder.Dynamic]);
        var values = parameters.ToDictionary(p => p.Name, p => g.AddInput(p.Name, p.Shape));
        var (logits, _) = head.Forward(g, features, name => values[name]);
        var loss = SoftTargetCrossEntropyBlock.Build(g, logits, targets, weights, temperature: 1.7);
        var names = parameters.Select(p => p.Name).ToArray();
        var gradients = ReverseMode.Gradients(g, loss, names);
        g.AddOutput(loss, GradientCheck.Loss);
        for (int i = 0; i < names.Length; i++)
            g.AddOutput(gradients[i], GradientCheck.GradientOutput(names[i]));
        using var runner = new OnnxTestRunner(g.ToModel());

        var random = new Random(GradientCheck.StableSeed(label));
        var q = new double[Rows * Classes];
        for (int n = 0; n < Rows; n++)
        {
            var raw = Enumerable.Range(0, Classes).Select(_ => random.NextDouble() + 0.1).ToArray();
            for (int c = 0; c < Classes; c++)
                q[n * Classes + c] = raw[c] / raw.Sum();
        }
        q[3 * Classes] = double.NaN;
        var feeds = new Dictionary<string, TestTensor>
        {
            ["features"] = GradientCheck.Random(random, [Rows, InputSize], ValueRange.Signed),
            ["targets"] = new(q, [Rows, Classes]),
            ["weights"] = GradientCheck.Random(random, [Rows], ValueRange.Positive),
        };
        foreach (var p in parameters)
            feeds[p.Name] = new(Array.ConvertAll(initial[p.Name], v => (double)v), p.Shape);
        var analytic = GradientCheck.Verify(runner, feeds, names, label);
        Assert.IsTrue(analytic.Values.Any(t => t.Data.Any(v => Math.Abs(v) > 1e-6)), $"{label}: gradients are not all zero");
    }
}

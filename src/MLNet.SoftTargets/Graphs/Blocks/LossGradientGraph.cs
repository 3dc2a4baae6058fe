using Onnx;
using MLNet.SoftTargets.Graphs.Autodiff;

namespace MLNet.SoftTargets.Graphs.Blocks;

/// <summary>
/// The loss and its gradient as one ONNX graph, for optimizers that take whole steps outside the graph (full-batch
/// L-BFGS): inputs <c>features</c> [N, D], <c>targets</c> [N, K], optionally <c>weights</c> [N], then every parameter;
/// outputs <c>loss</c> (the weighted mean soft-target cross-entropy over the N rows, a scalar) and <c>{parameter}.grad</c>
/// for every parameter, in <see cref="ClassifierNetwork.Parameters"/> order.
/// </summary>
internal static class LossGradientGraph
{
    public const string Loss = "loss";

    public static string GradientName(string parameter) => parameter + ".grad";

    public static byte[] Build(ClassifierNetwork network, double lossTemperature, bool withWeights)
    {
        var g = new GraphBuilder(TensorProto.Types.DataType.Float);
        var features = g.AddInput(TrainStepGraph.Features, [GraphBuilder.Dynamic, network.InputSize]);
        var targets = g.AddInput(TrainStepGraph.Targets, [GraphBuilder.Dynamic, network.ClassCount]);
        var weights = withWeights ? g.AddInput(TrainStepGraph.Weights, [GraphBuilder.Dynamic]) : null;
        var values = network.Parameters.ToDictionary(p => p.Name, p => g.AddInput(p.Name, p.Shape));
        var (logits, _) = network.Forward(g, features, name => values[name]);
        var loss = SoftTargetCrossEntropyBlock.Build(g, logits, targets, weights, lossTemperature);
        var gradients = ReverseMode.Gradients(g, loss, network.Parameters.Select(p => values[p.Name]).ToArray());
        g.AddOutput(loss, Loss);
        for (int i = 0; i < gradients.Length; i++)
            g.AddOutput(gradients[i], GradientName(network.Parameters[i].Name));
        return g.ToBytes();
    }
}

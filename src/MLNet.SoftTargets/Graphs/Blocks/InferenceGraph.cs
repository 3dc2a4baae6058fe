using Onnx;

namespace MLNet.SoftTargets.Graphs.Blocks;

/// <summary>
/// The standalone inference model: <c>Features</c> [N, D] → <c>Score</c> = softmax(logits) [N, K], and optionally
/// <c>Logits</c> and <c>Embedding</c> (the penultimate features). Trained parameters are baked in as initializers.
/// </summary>
internal static class InferenceGraph
{
    public const string Features = "Features";
    public const string Score = "Score";
    public const string Logits = "Logits";
    public const string Embedding = "Embedding";

    public static byte[] Build(ClassifierHead head, IReadOnlyDictionary<string, float[]> parameters, bool withLogits, bool withEmbedding)
    {
        var g = new GraphBuilder(TensorProto.Types.DataType.Float);
        var features = g.AddInput(Features, [GraphBuilder.Dynamic, head.InputSize]);
        var shapes = head.CreateParameters(new Random(0)).ToDictionary(p => p.Name, p => p.Shape);
        var values = new Dictionary<string, string>();
        foreach (var (name, shape) in shapes)
        {
            if (!parameters.TryGetValue(name, out var data))
                throw new ArgumentException($"No values for parameter '{name}'.", nameof(parameters));
            values[name] = g.AddInitializer(name, Array.ConvertAll(data, v => (double)v), shape);
        }
        var (logits, embedding) = head.Forward(g, features, name => values[name]);
        g.AddOutput(g.Softmax(logits, axis: 1), Score);
        if (withLogits)
            g.AddOutput(logits, Logits);
        if (withEmbedding)
            g.AddOutput(embedding, Embedding);
        return g.ToBytes();
    }
}

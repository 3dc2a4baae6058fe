using Onnx;

namespace MLNet.SoftTargets.Graphs.Blocks;

/// <summary>
/// Inference models of a trained head: <c>Features</c> → <c>Score</c> = softmax(logits), optionally <c>Logits</c> and
/// <c>Embedding</c> (the penultimate features). Three forms: the standalone batched export, the per-row form that
/// ML.NET's <c>ApplyOnnxModel</c> runs inside a saved model, and a logits graph whose parameters are inputs (validation
/// during training, without rebuilding the graph each epoch).
/// </summary>
internal static class InferenceGraph
{
    public const string Features = "Features";
    public const string Score = "Score";
    public const string Logits = "Logits";
    public const string Embedding = "Embedding";

    /// <summary>
    /// The standalone model: <c>Features</c> [N, D] → <c>Score</c> [N, K] (+ <c>Logits</c>, <c>Embedding</c>), parameters
    /// baked in; without <paramref name="withScore"/> only the logits and embeddings (the batched scorer computes the
    /// probabilities itself, at any temperature). With <paramref name="nonFiniteRowsAsNaN"/> a row with a NaN or infinite
    /// feature is NaN in every output, as in the per-row graph (<see cref="NonFinitePoison"/>); the batched scorer checks
    /// its rows itself and leaves it off.
    /// </summary>
    public static byte[] Build(ClassifierNetwork network, IReadOnlyDictionary<string, float[]> parameters, bool withLogits, bool withEmbedding, bool withScore = true,
        bool nonFiniteRowsAsNaN = false)
    {
        var g = new GraphBuilder(TensorProto.Types.DataType.Float);
        var features = g.AddInput(Features, [GraphBuilder.Dynamic, network.RawInputSize]);
        var (logits, embedding) = network.ForwardRaw(g, features, Initializers(g, network, parameters));
        if (nonFiniteRowsAsNaN)
        {
            var poison = NonFinitePoison(g, features, perRow: false);
            logits = g.Add(logits, poison);
            if (withEmbedding)
                embedding = g.Add(embedding, poison);
        }
        if (withScore)
            g.AddOutput(g.Softmax(logits, axis: 1), Score);
        if (withLogits)
            g.AddOutput(logits, Logits);
        if (withEmbedding)
            g.AddOutput(embedding, Embedding);
        return g.ToBytes();
    }

    /// <summary>
    /// 0 for a row whose features are all finite, NaN otherwise (x·0 is NaN exactly for NaN and ±∞): added to a row's
    /// outputs it leaves valid rows bit for bit and makes every output of an invalid row NaN (a ReLU could otherwise turn
    /// −∞ into a clean 0). A scalar for one row [D], or [N, 1] for a batch [N, D].
    /// </summary>
    private static string NonFinitePoison(GraphBuilder g, string features, bool perRow) =>
        perRow ? g.ReduceSum(g.Mul(features, g.Scalar(0)), [], keepDims: false) : g.ReduceSum(g.Mul(features, g.Scalar(0)), [1], keepDims: true);

    /// <summary>
    /// The per-row form for ML.NET's <c>ApplyOnnxModel</c> (which runs one row at a time and cannot read rank-0
    /// outputs): input <paramref name="featureName"/> [D]; outputs <c>Score</c> [K] with the class names as slot names
    /// (when given), <paramref name="argMaxName"/> [1] (int64 class index, −1 when the score is NaN: a row with a NaN or
    /// infinite feature scores NaN in every output), and optionally <c>Logits</c> [K] and <c>Embedding</c> [E]. Inside, a batch-agnostic core maps
    /// <see cref="PerRowGraph.CoreInput"/> [N, D] to logits [N, K] and embeddings [N, E]; the per-row wrapper only
    /// reshapes around it, so the core can be cut out again for batched scoring.
    /// </summary>
    public static PerRowGraph BuildPerRow(ClassifierNetwork network, IReadOnlyDictionary<string, float[]> parameters, string featureName, string argMaxName,
        bool withLogits, bool withEmbedding, IReadOnlyList<string>? classNames = null)
    {
        var g = new GraphBuilder(TensorProto.Types.DataType.Float);
        var features = g.AddInput(featureName, [network.RawInputSize]);
        var coreInput = g.Reshape(features, [1, network.RawInputSize]);
        var (logits, embedding) = network.ForwardRaw(g, coreInput, Initializers(g, network, parameters));
        var poison = NonFinitePoison(g, features, perRow: true);
        var score = g.Add(g.Reshape(g.Softmax(logits, axis: 1), [network.ClassCount]), poison);
        var argMax = g.Node("ArgMax", [score], [1], TensorProto.Types.DataType.Int64, Attr.Int("axis", 0), Attr.Int("keepdims", 1));
        // ML.NET's multiclass scorers give a missing PredictedLabel when every score is NaN: −1 maps to no class.
        var scoreIsNaN = g.IsNaN(g.ReduceSum(score, [], keepDims: false));
        var index = g.Node("Where", [scoreIsNaN, g.Int64s(-1), argMax], [1], TensorProto.Types.DataType.Int64);
        g.AddOutput(score, Score);
        g.AddOutput(index, argMaxName);
        if (withLogits)
            g.AddOutput(g.Add(g.Reshape(logits, [network.ClassCount]), poison), Logits);
        if (withEmbedding)
            g.AddOutput(g.Add(g.Reshape(embedding, [network.EmbeddingSize]), poison), Embedding);
        if (classNames is not null)
            g.AddSlotNames(Score, classNames);
        return new PerRowGraph(g, g.Resolve(coreInput), g.Resolve(logits), g.Resolve(embedding));
    }

    /// <summary><c>Features</c> [N, D] and every parameter as inputs → <c>Logits</c> [N, K].</summary>
    public static byte[] BuildLogits(ClassifierNetwork network)
    {
        var g = new GraphBuilder(TensorProto.Types.DataType.Float);
        var features = g.AddInput(Features, [GraphBuilder.Dynamic, network.InputSize]);
        var values = network.Parameters.ToDictionary(p => p.Name, p => g.AddInput(p.Name, p.Shape));
        var (logits, _) = network.Forward(g, features, name => values[name]);
        g.AddOutput(logits, Logits);
        return g.ToBytes();
    }

    private static Func<string, string> Initializers(GraphBuilder g, ClassifierNetwork network, IReadOnlyDictionary<string, float[]> parameters)
    {
        network.CheckValues(parameters, nameof(parameters));
        var values = network.Parameters.ToDictionary(p => p.Name, p => g.AddInitializer(p.Name, Array.ConvertAll(parameters[p.Name], v => (double)v), p.Shape));
        return name => values[name];
    }
}

/// <summary>A per-row inference graph and the names of its batch-agnostic core.</summary>
/// <param name="Builder">The graph; add metadata before serialising it.</param>
/// <param name="CoreInput">The core's input [N, D].</param>
/// <param name="CoreLogits">The core's logits [N, K].</param>
/// <param name="CoreEmbedding">The core's penultimate features [N, E].</param>
internal sealed record PerRowGraph(GraphBuilder Builder, string CoreInput, string CoreLogits, string CoreEmbedding);

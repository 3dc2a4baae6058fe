using Onnx;

namespace MLNet.SoftTargets.Backbones;

/// <summary>
/// Operations on a pretrained ONNX model used as a backbone: make its batch dimension symbolic, find its top
/// parameterised layers, find where to cut it so that only those layers run (and are differentiated) per step,
/// and truncate it at the cut (the frozen part, whose output is cached once per example).
/// </summary>
internal static class BackboneSurgery
{
    /// <summary>Op types that hold trainable weights and count as layers.</summary>
    private static readonly HashSet<string> LayerOps = ["Conv", "Gemm", "MatMul"];

    /// <summary>
    /// A copy of <paramref name="model"/> whose graph inputs and outputs have a symbolic first dimension (many exported
    /// models fix the batch at 1) and whose intermediate shape annotations are dropped so ONNX Runtime infers them again.
    /// </summary>
    public static ModelProto WithSymbolicBatch(ModelProto model, string batchName = "N")
    {
        var copy = model.Clone();
        var initializers = copy.Graph.Initializer.Select(t => t.Name).ToHashSet();
        foreach (var value in copy.Graph.Input.Where(i => !initializers.Contains(i.Name)).Concat(copy.Graph.Output))
        {
            var dims = value.Type?.TensorType?.Shape?.Dim;
            if (dims is { Count: > 0 })
                dims[0] = new TensorShapeProto.Types.Dimension { DimParam = batchName };
        }
        copy.Graph.ValueInfo.Clear();
        return copy;
    }

    /// <summary>The last <paramref name="count"/> layer nodes (Conv, Gemm, MatMul) on the way to <paramref name="output"/>, last first.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The model has fewer layers than asked for.</exception>
    public static IReadOnlyList<NodeProto> TopLayers(ModelProto model, string output, int count)
    {
        var nodes = Ancestors(model.Graph, output);
        var layers = nodes.Where(n => LayerOps.Contains(n.OpType)).Reverse().Take(count).ToList();
        if (layers.Count < count)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"The backbone has only {layers.Count} parameterised layers (Conv, Gemm, MatMul) before '{output}'.");
        return layers;
    }

    /// <summary>
    /// The tensor to cut at so that <paramref name="layers"/> (and everything after them) run above the cut: the latest
    /// tensor, computed before the earliest of those layers, through which every path from the inputs to
    /// <paramref name="output"/> passes (e.g. the input of a residual block). With no layers the cut is the output.
    /// </summary>
    /// <exception cref="InvalidOperationException">No single tensor separates the layers from the rest of the graph.</exception>
    public static string FindCut(ModelProto model, string output, IReadOnlyList<NodeProto> layers)
    {
        if (layers.Count == 0)
            return output;
        var graph = model.Graph;
        var nodes = Ancestors(graph, output);
        var constants = graph.Initializer.Select(t => t.Name).ToHashSet();
        int earliest = layers.Min(l => nodes.IndexOf(l));
        var graphInputs = graph.Input.Select(i => i.Name).Where(n => !constants.Contains(n)).ToList();
        for (int p = earliest - 1; p >= -1; p--)
        {
            // Tensors available after node p that something after p still reads.
            var available = new HashSet<string>(graphInputs);
            for (int i = 0; i <= p; i++)
                available.UnionWith(nodes[i].Output);
            var live = new HashSet<string>();
            for (int i = p + 1; i < nodes.Count; i++)
            {
                foreach (var input in nodes[i].Input)
                {
                    if (available.Contains(input))
                        live.Add(input);
                }
            }
            if (live.Count == 1)
                return live.Single();
        }
        throw new InvalidOperationException($"No single tensor separates the top {layers.Count} layers from the rest of the backbone.");
    }

    /// <summary>The model reduced to the nodes that compute <paramref name="cut"/>, with <paramref name="cut"/> as its only output.</summary>
    public static ModelProto Truncate(ModelProto model, string cut)
    {
        var copy = model.Clone();
        var graph = copy.Graph;
        var keep = Ancestors(graph, cut).ToHashSet();
        var nodes = graph.Node.Where(keep.Contains).ToList();
        graph.Node.Clear();
        graph.Node.AddRange(nodes);
        var used = nodes.SelectMany(n => n.Input).ToHashSet();
        var initializers = graph.Initializer.Where(t => used.Contains(t.Name)).ToList();
        graph.Initializer.Clear();
        graph.Initializer.AddRange(initializers);
        var inputs = graph.Input.Where(i => used.Contains(i.Name) || i.Name == cut).ToList();
        graph.Input.Clear();
        graph.Input.AddRange(inputs);
        graph.Output.Clear();
        graph.Output.Add(new ValueInfoProto { Name = cut, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } } });
        graph.ValueInfo.Clear();
        return copy;
    }

    /// <summary>The nodes <paramref name="output"/> depends on, in the graph's (topological) order.</summary>
    private static List<NodeProto> Ancestors(GraphProto graph, string output)
    {
        var producers = new Dictionary<string, NodeProto>();
        foreach (var node in graph.Node)
        {
            foreach (var o in node.Output)
                producers[o] = node;
        }
        var needed = new HashSet<NodeProto>();
        var stack = new Stack<string>([output]);
        while (stack.Count > 0)
        {
            if (!producers.TryGetValue(stack.Pop(), out var node) || !needed.Add(node))
                continue;
            foreach (var input in node.Input)
                stack.Push(input);
        }
        return graph.Node.Where(needed.Contains).ToList();
    }
}

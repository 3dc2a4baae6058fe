using System.Runtime.InteropServices;
using Onnx;
using MLNet.SoftTargets.Graphs;

namespace MLNet.SoftTargets.Backbones;

/// <summary>
/// Copies part of a pretrained ONNX model into a <see cref="GraphBuilder"/> graph (opset 17) with static shapes, so
/// the gradient rules can differentiate through it: the nodes between a tensor the builder already has and a target
/// tensor, with their attributes, and their weights either as constants or as values the caller supplies (trainable
/// parameters). Handles the ops of CNN backbones such as ResNet: Conv, BatchNormalization (inference form),
/// Relu, Add, Max/AveragePool, GlobalAveragePool, Flatten, Gemm.
/// </summary>
internal static class BackboneImport
{
    /// <summary>The float values of an initializer (from float_data or raw_data).</summary>
    public static float[] Values(TensorProto tensor)
    {
        if (tensor.DataType != (int)TensorProto.Types.DataType.Float)
            throw new NotSupportedException($"Initializer '{tensor.Name}' has data type {tensor.DataType}; only float weights are supported.");
        if (tensor.FloatData.Count > 0)
            return [.. tensor.FloatData];
        return MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray();
    }

    /// <summary>
    /// The initializers read by the layers between <paramref name="from"/> and <paramref name="to"/> that training may
    /// change: Conv and Gemm weights and biases, BatchNormalization scale and bias (its running statistics stay frozen).
    /// </summary>
    public static IReadOnlyList<TensorProto> TrainableInitializers(ModelProto model, string from, string to)
    {
        var initializers = model.Graph.Initializer.ToDictionary(t => t.Name);
        var names = new List<string>();
        foreach (var node in Between(model.Graph, from, to))
        {
            IEnumerable<string> inputs = node.OpType switch
            {
                "Conv" or "Gemm" => node.Input.Skip(1),
                "BatchNormalization" => node.Input.Skip(1).Take(2),
                _ => [],
            };
            names.AddRange(inputs.Where(initializers.ContainsKey));
        }
        return names.Distinct().Select(n => initializers[n]).ToList();
    }

    /// <summary>
    /// Appends the nodes between <paramref name="from"/> (already the builder value <paramref name="fromValue"/>) and
    /// <paramref name="to"/>; returns the builder value of <paramref name="to"/>. An initializer for which
    /// <paramref name="parameter"/> returns a value is read from that value; the others become constants.
    /// </summary>
    public static string Import(GraphBuilder g, ModelProto model, string from, string fromValue, string to, Func<string, string?> parameter)
    {
        var graph = model.Graph;
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        var values = new Dictionary<string, string> { [from] = fromValue };
        string Value(string name)
        {
            if (values.TryGetValue(name, out var v))
                return v;
            if (!initializers.TryGetValue(name, out var tensor))
                throw new InvalidOperationException($"Backbone tensor '{name}' is neither computed above the cut nor an initializer.");
            v = parameter(name) ?? g.AddInitializer(name, Array.ConvertAll(Values(tensor), x => (double)x), [.. tensor.Dims]);
            values[name] = v;
            return v;
        }

        foreach (var node in Between(graph, from, to))
        {
            var inputs = node.Input.Where(i => i.Length > 0).Select(Value).ToArray();
            var attributes = node.Attribute.Where(a => !(node.OpType == "BatchNormalization" && a.Name is "spatial" or "is_test" or "consumed_inputs")).ToArray();
            var shape = OutputShape(g, node, inputs, attributes);
            values[node.Output[0]] = g.Node(node.OpType, inputs, shape, attributes);
        }
        return values[to];
    }

    /// <summary>The nodes computing <paramref name="to"/> from <paramref name="from"/> (and constants), in graph order.</summary>
    public static List<NodeProto> Between(GraphProto graph, string from, string to)
    {
        var producers = new Dictionary<string, NodeProto>();
        foreach (var node in graph.Node)
        {
            foreach (var o in node.Output)
                producers[o] = node;
        }
        var needed = new HashSet<NodeProto>();
        var stack = new Stack<string>([to]);
        while (stack.Count > 0)
        {
            string name = stack.Pop();
            if (name == from || !producers.TryGetValue(name, out var node) || !needed.Add(node))
                continue;
            foreach (var input in node.Input)
                stack.Push(input);
        }
        return graph.Node.Where(needed.Contains).ToList();
    }

    private static long[] OutputShape(GraphBuilder g, NodeProto node, string[] inputs, AttributeProto[] attributes)
    {
        var x = g.Shape(inputs[0]);
        long[]? Ints(string name) => attributes.FirstOrDefault(a => a.Name == name)?.Ints.ToArray();
        long Int(string name, long fallback) => attributes.FirstOrDefault(a => a.Name == name) is { } a ? a.I : fallback;
        switch (node.OpType)
        {
            case "Relu" or "BatchNormalization" or "Sigmoid" or "Tanh" or "Identity":
                return x;
            case "Add" or "Sub" or "Mul" or "Div":
                return Ops.BroadcastShape(x, g.Shape(inputs[1]));
            case "Conv":
                return Window(x, g.Shape(inputs[1])[0], Ints("kernel_shape") ?? g.Shape(inputs[1])[2..], Ints("strides"), Ints("pads"), Ints("dilations"));
            case "MaxPool" or "AveragePool":
                return Window(x, x[1], Ints("kernel_shape")!, Ints("strides"), Ints("pads"), null);
            case "GlobalAveragePool" or "GlobalMaxPool":
                return [x[0], x[1], .. Enumerable.Repeat(1L, x.Length - 2)];
            case "Flatten":
                long axis = Int("axis", 1);
                long outer = 1, inner = 1;
                for (int i = 0; i < x.Length; i++)
                {
                    if (i < axis)
                        outer = outer < 0 || x[i] < 0 ? -1 : outer * x[i];
                    else
                        inner = inner < 0 || x[i] < 0 ? -1 : inner * x[i];
                }
                return [outer, inner];
            case "Gemm":
                var w = g.Shape(inputs[1]);
                return [Int("transA", 0) == 1 ? x[1] : x[0], Int("transB", 0) == 1 ? w[0] : w[1]];
            default:
                throw new NotSupportedException($"Backbone op '{node.OpType}' ({node.Name}) cannot be imported.");
        }
    }

    /// <summary>Output shape of a sliding window (Conv or pooling) over NCHW with explicit pads [begin…, end…].</summary>
    private static long[] Window(long[] x, long channels, long[] kernel, long[]? strides, long[]? pads, long[]? dilations)
    {
        int spatial = x.Length - 2;
        var result = new long[x.Length];
        result[0] = x[0];
        result[1] = channels;
        for (int i = 0; i < spatial; i++)
        {
            long stride = strides?[i] ?? 1, dilation = dilations?[i] ?? 1;
            long padded = x[i + 2] + (pads?[i] ?? 0) + (pads?[i + spatial] ?? 0);
            result[i + 2] = x[i + 2] < 0 ? -1 : (padded - dilation * (kernel[i] - 1) - 1) / stride + 1;
        }
        return result;
    }
}

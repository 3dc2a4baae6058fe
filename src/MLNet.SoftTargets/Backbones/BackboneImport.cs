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
            if (node.OpType is "Conv" or "MaxPool" or "AveragePool")
                attributes = ExplicitPads(node, g.Shape(inputs[0]), inputs.Length > 1 ? g.Shape(inputs[1]) : null, attributes);
            var shape = OutputShape(g, node, inputs, attributes);
            values[node.Output[0]] = node.OpType == "Conv" && g.LargeConvolutionsAsGemm
                && g.Shape(inputs[1]) is { Length: 4 } ws && ws.All(d => d >= 0)
                && Graphs.Autodiff.Rules.ConvRule.UsesGemmPath(attributes.FirstOrDefault(a => a.Name == "group")?.I ?? 1, ws)
                ? ConvAsGemm(g, inputs, ws, attributes)
                : g.Node(node.OpType, inputs, shape, attributes);
        }
        return values[to];
    }

    /// <summary>A group-1 Conv as <c>Ops.ConvAsWinograd</c> where it fits (3×3, stride 1, small planes), else as
    /// <c>Ops.ConvAsGemm</c>, with the node's (explicit) window.</summary>
    private static string ConvAsGemm(GraphBuilder g, string[] inputs, long[] ws, AttributeProto[] attributes)
    {
        var window = Ops.Window2D.Of(attributes.Any(a => a.Name == "kernel_shape")
            ? attributes
            : [.. attributes, Attr.Ints("kernel_shape", [ws[2], ws[3]])]);
        if (Ops.WinogradFits(g.Shape(inputs[0]), ws, 1, window))
            return g.ConvAsWinograd(inputs[0], inputs[1], inputs.Length > 2 ? inputs[2] : null, window);
        return g.ConvAsGemm(inputs[0], inputs[1], inputs.Length > 2 ? inputs[2] : null, window.Strides, window.Pads, window.Dilations);
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
        long Int(string name, long fallback) => attributes.FirstOrDefault(a => a.Name == name) is { } a ? a.I : fallback;
        switch (node.OpType)
        {
            case "Relu" or "BatchNormalization" or "Sigmoid" or "Tanh" or "Identity":
                return x;
            case "Add" or "Sub" or "Mul" or "Div":
                return Ops.BroadcastShape(x, g.Shape(inputs[1]));
            case "Conv":
                return [.. Window(node, x, g.Shape(inputs[1]), attributes).Shape];
            case "MaxPool" or "AveragePool":
                return [.. Window(node, x, null, attributes).Shape];
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

    /// <summary>
    /// The output shape of a sliding window (Conv, MaxPool, AveragePool) over NCHW and the explicit pads
    /// [begin…, end…] that give it with <c>auto_pad = NOTSET</c> and <c>ceil_mode = 0</c>, as ONNX Runtime computes
    /// them: SAME_UPPER / SAME_LOWER give ⌈in / stride⌉ with the total padding split (the odd one at the end for
    /// UPPER, at the beginning for LOWER); VALID pads nothing; <c>ceil_mode</c> rounds the window count up but drops a
    /// last window that would start in the end padding.
    /// </summary>
    internal static (long[] Shape, long[] Pads) Window(NodeProto node, long[] x, long[]? weightShape, AttributeProto[] attributes)
    {
        long[]? Ints(string name) => attributes.FirstOrDefault(a => a.Name == name)?.Ints.ToArray();
        string autoPad = attributes.FirstOrDefault(a => a.Name == "auto_pad")?.S.ToStringUtf8() ?? "NOTSET";
        bool ceil = attributes.FirstOrDefault(a => a.Name == "ceil_mode")?.I == 1;
        int spatial = x.Length - 2;
        var kernel = Ints("kernel_shape") ?? weightShape?[2..]
            ?? throw new NotSupportedException($"{node.OpType} '{node.Name}' has no kernel_shape.");
        long[] strides = Ints("strides") ?? [.. Enumerable.Repeat(1L, spatial)];
        long[] dilations = Ints("dilations") ?? [.. Enumerable.Repeat(1L, spatial)];
        long[] pads = Ints("pads") ?? new long[2 * spatial];
        var shape = new long[x.Length];
        var explicitPads = new long[2 * spatial];
        shape[0] = x[0];
        shape[1] = weightShape?[0] ?? x[1];
        for (int i = 0; i < spatial; i++)
        {
            long input = x[i + 2], stride = strides[i], window = dilations[i] * (kernel[i] - 1) + 1;
            if (input < 0)
            {
                shape[i + 2] = -1;
                continue;
            }
            long begin = pads[i], end = pads[i + spatial], output;
            switch (autoPad)
            {
                case "SAME_UPPER" or "SAME_LOWER":
                    output = (input + stride - 1) / stride;
                    long total = Math.Max(0, (output - 1) * stride + window - input);
                    begin = autoPad == "SAME_UPPER" ? total / 2 : (total + 1) / 2;
                    end = total - begin;
                    break;
                case "VALID":
                    begin = end = 0;
                    output = Count(input, window, stride, ceil);
                    break;
                case "NOTSET" or "":
                    output = Count(input + begin + end, window, stride, ceil);
                    if (ceil && (output - 1) * stride >= input + begin)
                        output--;
                    break;
                default:
                    throw new NotSupportedException($"{node.OpType} '{node.Name}' has auto_pad '{autoPad}'.");
            }
            // The end padding that makes floor-mode arithmetic give the same count (ceil_mode's partial last window).
            end = Math.Max(end, (output - 1) * stride + window - input - begin);
            shape[i + 2] = output;
            explicitPads[i] = begin;
            explicitPads[i + spatial] = end;
        }
        return (shape, explicitPads);

        static long Count(long padded, long window, long stride, bool ceil) =>
            padded < window ? 0 : (ceil ? (padded - window + stride - 1) / stride : (padded - window) / stride) + 1;
    }

    /// <summary>
    /// The attributes of a window op with <c>auto_pad</c> and <c>ceil_mode</c> replaced by the explicit pads that compute
    /// the same output, so that the gradient rules, which read <c>pads</c>, differentiate what runs.
    /// </summary>
    /// <exception cref="NotSupportedException">An AveragePool with <c>ceil_mode = 1</c> and <c>count_include_pad = 1</c>
    /// (its partial window's divisor has no explicit-pads form).</exception>
    private static AttributeProto[] ExplicitPads(NodeProto node, long[] x, long[]? weightShape, AttributeProto[] attributes)
    {
        bool ceil = attributes.FirstOrDefault(a => a.Name == "ceil_mode")?.I == 1;
        bool hasAutoPad = attributes.FirstOrDefault(a => a.Name == "auto_pad")?.S.ToStringUtf8() is { Length: > 0 } p && p != "NOTSET";
        if (!ceil && !hasAutoPad)
            return attributes;
        if (ceil && node.OpType == "AveragePool" && attributes.FirstOrDefault(a => a.Name == "count_include_pad")?.I == 1)
            throw new NotSupportedException($"AveragePool '{node.Name}' has ceil_mode = 1 with count_include_pad = 1, which cannot be imported for training; keep it in the frozen part (fewer TrainableLayers).");
        var (_, pads) = Window(node, x, weightShape, attributes);
        var pad = new AttributeProto { Name = "pads", Type = AttributeProto.Types.AttributeType.Ints };
        pad.Ints.AddRange(pads);
        return [.. attributes.Where(a => a.Name is not ("pads" or "auto_pad" or "ceil_mode")), pad];
    }
}

using Onnx;
using MLNet.SoftTargets.Backbones;

namespace MLNet.SoftTargets.FineTuneStep;

/// <summary>One inference-form BatchNormalization: the initializer names of its scale and bias (trainable), and its frozen running statistics.</summary>
internal sealed record BatchNormSpec(string Scale, string Bias, float[] Mean, float[] Variance, double Epsilon);

/// <summary>One 3×3 convolution: its weight's initializer name and its pads (stride and dilation 1, group 1, no bias: checked).</summary>
internal sealed record ConvSpec(string Weight, long[] Pads);

/// <summary>
/// What ResNet18.onnx computes between the cut and the pooled output, read from the model and checked against the
/// expected structure Conv → BatchNormalization → Relu → Conv → BatchNormalization → Add(cut) → Relu → AveragePool(7×7),
/// so that the TorchSharp peer's hand-written forward pass is this block and nothing else.
/// </summary>
internal sealed record ResidualBlockSpec(ConvSpec Conv1, BatchNormSpec Norm1, ConvSpec Conv2, BatchNormSpec Norm2, string[] NodeNames)
{
    private static readonly string[] ExpectedOps = ["Conv", "BatchNormalization", "Relu", "Conv", "BatchNormalization", "Add", "Relu", "AveragePool"];

    /// <exception cref="InvalidDataException">The block is not the expected residual block.</exception>
    public static ResidualBlockSpec Read(string modelPath, string cut, string output)
    {
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(modelPath));
        var initializers = model.Graph.Initializer.ToDictionary(t => t.Name);
        var nodes = BackboneImport.Between(model.Graph, cut, output);
        var ops = nodes.Select(n => n.OpType).ToArray();
        if (!ops.SequenceEqual(ExpectedOps))
            throw new InvalidDataException($"{cut} → {output} is {string.Join(" → ", ops)}, not {string.Join(" → ", ExpectedOps)}");
        long[] Ints(NodeProto n, string name) => n.Attribute.FirstOrDefault(a => a.Name == name)?.Ints.ToArray() ?? [];
        ConvSpec Conv(NodeProto n)
        {
            bool plain = n.Input.Count == 2 && Ints(n, "kernel_shape").SequenceEqual([3L, 3L])
                && Ints(n, "strides").All(s => s == 1) && Ints(n, "dilations").All(d => d == 1)
                && (n.Attribute.FirstOrDefault(a => a.Name == "group")?.I ?? 1) == 1;
            if (!plain)
                throw new InvalidDataException($"{n.Name} is not a 3×3, stride 1, group 1 convolution without bias");
            return new ConvSpec(n.Input[1], Ints(n, "pads"));
        }
        BatchNormSpec Norm(NodeProto n) => new(n.Input[1], n.Input[2], BackboneImport.Values(initializers[n.Input[3]]),
            BackboneImport.Values(initializers[n.Input[4]]), n.Attribute.FirstOrDefault(a => a.Name == "epsilon")?.F ?? 1e-5f);
        var pool = nodes[7];
        if (!Ints(pool, "kernel_shape").SequenceEqual([7L, 7L]) || nodes[5].Input[1] != cut)
            throw new InvalidDataException($"{pool.Name} is not a 7×7 pool, or {nodes[5].Name} does not add the cut");
        return new ResidualBlockSpec(Conv(nodes[0]), Norm(nodes[1]), Conv(nodes[3]), Norm(nodes[4]), nodes.Select(n => n.Name).ToArray());
    }
}

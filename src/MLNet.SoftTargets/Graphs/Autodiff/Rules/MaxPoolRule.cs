namespace MLNet.SoftTargets.Graphs.Autodiff.Rules;

/// <summary>
/// 2-D max pooling Y[n,c,i,j] = max over the window of X, with Indices[n,c,i,j] the flat row-major position in
/// [0, N·C·H·W) of the maximum (ONNX's second MaxPool output, storage_order 0; padding never wins).
/// dX = Reshape(ScatterElements(zeros[N·C·H·W], Indices, dY, axis 0, reduction "add"), shape of X): each dY goes to
/// its window's argmax, and overlapping windows (stride &lt; kernel) that share an argmax add up.
/// A forward node without the Indices output (not made by <see cref="Ops.MaxPool"/>) is left as it is: a second
/// MaxPool computes the Indices in the backward pass.
/// </summary>
internal sealed class MaxPoolRule : IGradientRule
{
    private static Onnx.AttributeProto Reduction() => new()
    {
        Name = "reduction",
        Type = Onnx.AttributeProto.Types.AttributeType.String,
        S = Google.Protobuf.ByteString.CopyFromUtf8("add"),
    };

    public string OpType => "MaxPool";

    public void Backward(GradientContext c)
    {
        var g = c.Builder;
        var dy = c.OutputGradient()!;
        var x = c.Input(0);
        if (Attr.GetInt(c.Node, "storage_order", 0) != 0)
            throw new NotSupportedException($"MaxPool '{c.Output()}': only storage_order 0 (row-major Indices) can be differentiated.");
        var indices = c.Node.Output.Count > 1 && c.Node.Output[1].Length > 0
            ? c.Node.Output[1]
            : g.MaxPoolWithIndices(x, [.. c.Node.Attribute.Select(a => a.Clone())]).Indices;
        var flatX = g.Reshape(x, [-1]);
        var zeros = g.ExpandLike(g.Scalar(0.0, "zero"), flatX);
        var scattered = g.Node("ScatterElements", [zeros, g.Reshape(indices, [-1]), g.Reshape(dy, [-1])], g.Shape(flatX),
            Attr.Int("axis", 0), Reduction());
        c.AddGradient(0, g.ReshapeLike(scattered, x));
    }
}

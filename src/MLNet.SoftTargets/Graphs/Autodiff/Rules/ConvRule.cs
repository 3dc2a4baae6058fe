namespace MLNet.SoftTargets.Graphs.Autodiff.Rules;

/// <summary>
/// 2-D convolution Y = Conv(X, W) + B (strides s, pads p, dilations d, group G):
/// Y[n,m,i,j] = Σ_{c,u,v} W[m,c,u,v]·X[n, g(m)·C/G + c, i·s + u·d − p_top, j·s + v·d − p_left] + B[m].
/// dX = ConvTranspose(dY, W) with the same s, p, d, G and output_padding = (H + pads − d·(k−1) − 1) mod s, so that dX has
/// exactly X's shape (the rows no window reached get zero).
/// dW[m,c,u,v] = Σ_{n,i,j} dY[n,m,i,j]·X[n,·,i·s + u·d − p, ·]: a Conv in which the batch is the reduced channel axis —
/// X with its channels as the batch (per group: [C/G, G·N, H, W]) convolved with dY as the kernel ([M, N, Ho, Wo], group G),
/// stride d, dilation s, pads p — giving [C/G, M, kH + ⌊r/d⌋, …] (r the remainder above), sliced to the kernel and transposed
/// to [M, C/G, kH, kW]. Any group count works, depthwise included.
/// dB = Σ_{n,i,j} dY = ReduceSum(dY, [0,2,3]).
/// </summary>
internal sealed class ConvRule : IGradientRule
{
    public string OpType => "Conv";

    public void Backward(GradientContext c)
    {
        var g = c.Builder;
        var dy = c.OutputGradient()!;
        var x = c.Input(0);
        var w = c.Input(1);
        var xs = g.Shape(x);
        var ws = g.Shape(w);
        if (xs.Length != 4)
            throw new NotSupportedException($"Conv '{c.Output()}': only 2-D convolutions (NCHW) can be differentiated.");
        long group = Attr.GetInt(c.Node, "group", 1);
        var window = Ops.Window2D.Of(c.Node.Attribute.Any(a => a.Name == "kernel_shape")
            ? c.Node
            : WithKernel(c.Node, [ws[2], ws[3]]));
        if (xs[2] < 0 || xs[3] < 0 || ws.Any(d => d < 0))
            throw new NotSupportedException($"Conv '{c.Output()}': the spatial size of X and the weight shape must be static to be differentiated.");
        long[] remainder = [window.Remainder(xs[2], 0), window.Remainder(xs[3], 1)];

        if (c.NeedsGradient(0))
            c.AddGradient(0, g.ConvTranspose(dy, w, window.Strides, window.Pads, window.Dilations, group, remainder));

        if (c.NeedsGradient(1))
        {
            long channelsPerGroup = ws[1];
            // X as a batch of C/G images whose channels are the group-major (group, sample) pairs.
            var xt = group == 1
                ? g.Transpose(x, [1, 0, 2, 3])
                : g.Reshape(g.Transpose(g.Reshape(x, [0, group, channelsPerGroup, xs[2], xs[3]]), [2, 1, 0, 3, 4]), [channelsPerGroup, -1, xs[2], xs[3]]);
            var kernel = g.Transpose(dy, [1, 0, 2, 3]);
            var dwt = g.Conv(xt, kernel, strides: window.Dilations, pads: window.Pads, dilations: window.Strides, group: group);
            var full = g.Shape(dwt);
            if (full[2] != ws[2])
                dwt = g.Slice(dwt, 2, 0, ws[2]);
            if (full[3] != ws[3])
                dwt = g.Slice(dwt, 3, 0, ws[3]);
            c.AddGradient(1, g.Transpose(dwt, [1, 0, 2, 3]));
        }

        if (c.InputCount > 2 && c.NeedsGradient(2))
            c.AddGradient(2, g.ReduceSum(dy, [0, 2, 3], keepDims: false));
    }

    private static Onnx.NodeProto WithKernel(Onnx.NodeProto node, long[] kernel)
    {
        var copy = node.Clone();
        copy.Attribute.Add(Attr.Ints("kernel_shape", kernel));
        return copy;
    }
}

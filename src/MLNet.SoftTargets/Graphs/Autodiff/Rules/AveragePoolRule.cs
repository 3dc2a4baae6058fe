namespace MLNet.SoftTargets.Graphs.Autodiff.Rules;

/// <summary>
/// 2-D average pooling Y[n,c,i,j] = (1/count[i,j])·Σ_window X, with count = kH·kW (count_include_pad 1) or the number of
/// unpadded positions in the window (count_include_pad 0). Its adjoint spreads each dY/count evenly over its window:
/// dX = ConvTranspose(dY·(1/count), ones[C,1,kH,kW], group C) with the pool's strides and pads and output_padding =
/// (H + pads − kH) mod stride, so dX has exactly X's shape. With a uniform count the 1/(kH·kW) goes into the
/// constant depthwise kernel; otherwise 1/count is a constant [Ho,Wo] map computed from the static geometry.
/// A window that is the whole unpadded input (one output position) is a broadcast: dX = Expand(dY·1/(kH·kW), shape(X)).
/// ceil_mode 1 is not supported.
/// </summary>
internal sealed class AveragePoolRule : IGradientRule
{
    public string OpType => "AveragePool";

    public void Backward(GradientContext c)
    {
        var g = c.Builder;
        var dy = c.OutputGradient()!;
        var x = c.Input(0);
        var xs = g.Shape(x);
        if (xs.Length != 4 || xs.Skip(1).Any(d => d < 0))
            throw new NotSupportedException($"AveragePool '{c.Output()}': only 2-D pooling (NCHW) with static channels and spatial size can be differentiated.");
        var window = Ops.Window2D.Of(c.Node);
        if (window.Dilations.Any(d => d != 1))
            throw new NotSupportedException($"AveragePool '{c.Output()}': dilations are not supported.");
        long channels = xs[1];
        long kh = window.Kernel[0], kw = window.Kernel[1];
        long ho = window.OutputSize(xs[2], 0), wo = window.OutputSize(xs[3], 1);
        bool countIncludePad = Attr.GetInt(c.Node, "count_include_pad", 0) != 0;

        // 1/count per output position; uniform when padding counts or no window reaches into the padding.
        var inverseCount = new double[ho * wo];
        for (long i = 0; i < ho; i++)
        {
            long rows = countIncludePad ? kh : Covered(i, window.Strides[0], window.Pads[0], kh, xs[2]);
            for (long j = 0; j < wo; j++)
            {
                long columns = countIncludePad ? kw : Covered(j, window.Strides[1], window.Pads[1], kw, xs[3]);
                inverseCount[i * wo + j] = 1.0 / (rows * columns);
            }
        }
        bool uniform = inverseCount.All(v => v == inverseCount[0]);
        if (ho == 1 && wo == 1 && kh == xs[2] && kw == xs[3] && window.Pads.All(p => p == 0))
        {
            // One window over the whole input (a global pool, e.g. ResNet's 7×7): every element gets dY/(kH·kW), a
            // broadcast instead of a depthwise ConvTranspose (the same single product per element).
            c.AddGradient(0, g.ExpandLike(g.Mul(dy, g.Scalar(inverseCount[0], "avgpool_grad_inverse_count")), x));
            return;
        }
        var kernelValues = new double[channels * kh * kw];
        Array.Fill(kernelValues, uniform ? inverseCount[0] : 1.0);
        var kernel = g.AddInitializer("avgpool_grad_kernel", kernelValues, [channels, 1, kh, kw]);
        var scaled = uniform ? dy : g.Mul(dy, g.AddInitializer("avgpool_grad_inverse_count", inverseCount, [ho, wo]));
        long[] outputPadding = [window.Remainder(xs[2], 0), window.Remainder(xs[3], 1)];
        c.AddGradient(0, g.ConvTranspose(scaled, kernel, window.Strides, window.Pads, window.Dilations, channels, outputPadding));
    }

    /// <summary>How many of the window's <paramref name="kernel"/> positions starting at output <paramref name="index"/> lie inside an input of <paramref name="size"/>.</summary>
    private static long Covered(long index, long stride, long padBegin, long kernel, long size)
    {
        long start = index * stride - padBegin;
        return Math.Min(start + kernel, size) - Math.Max(start, 0);
    }
}

namespace MLNet.SoftTargets.Graphs.Autodiff.Rules;

/// <summary>
/// 2-D convolution Y = Conv(X, W) + B (strides s, pads p, dilations d, group G):
/// Y[n,m,i,j] = Σ_{c,u,v} W[m,c,u,v]·X[n, g(m)·C/G + c, i·s + u·d − p_top, j·s + v·d − p_left] + B[m].
/// dB = Σ_{n,i,j} dY = ReduceSum(dY, [0,2,3]).
/// <para>
/// Two ways to the input and weight gradients, chosen per node by <see cref="UsesGemmPath"/>:
/// </para>
/// <para>
/// <b>Small convolutions (and any group count)</b> — the original path:
/// dX = ConvTranspose(dY, W) with the same s, p, d, G and output_padding = (H + pads − d·(k−1) − 1) mod s, so that dX has
/// exactly X's shape (the rows no window reached get zero).
/// dW[m,c,u,v] = Σ_{n,i,j} dY[n,m,i,j]·X[n,·,i·s + u·d − p, ·]: a Conv in which the batch is the reduced channel axis —
/// X with its channels as the batch (per group: [C/G, G·N, H, W]) convolved with dY as the kernel ([M, N, Ho, Wo], group G),
/// stride d, dilation s, pads p — giving [C/G, M, kH + ⌊r/d⌋, …] (r the remainder above), sliced to the kernel and transposed
/// to [M, C/G, kH, kW]. ONNX Runtime runs that Conv as C/G narrow GEMMs (kH·kW columns wide), slow for large C.
/// </para>
/// <para>
/// <b>Large convolutions, group 1</b> (C·M·kH·kW ≥ <see cref="DefaultGemmThreshold"/>) — dW as one wide GEMM (im2col):
/// the patches P = Conv(X, E) with E [C·kH·kW, 1, kH, kW] one-hot (E[c·kH·kW + t, 0, u, v] = [t = u·kW + v]), group C and
/// the forward conv's s, p, d, so P[n, c·kH·kW + u·kW + v, i, j] = X[n, c, i·s + u·d − p_top, j·s + v·d − p_left] (0 in
/// the padding); cols = P as [C·kH·kW, N·Ho·Wo] (Transpose [1,0,2]); dY channel-major D = Transpose(dY, [1,0,2,3]) as
/// [M, N·Ho·Wo]; dW = D·colsᵀ (Gemm, transB) [M, C·kH·kW], which is W's layout. The same sums as the Conv above, as one
/// GEMM of inner size N·Ho·Wo; the patch copies are exact (each element is x·1 plus zeros).
/// dX, for stride 1 with pads ≤ d·(k−1): the correlation of dY with W transposed on (M, C) and flipped spatially,
/// dX = Conv(dY, flip(Wᵀ)) with dilation d and pads d·(k−1) − p (top/left from top/left, bottom/right from bottom/right):
/// dX[n,c,h,w] = Σ_{m,u,v} W[m,c,u,v]·dY[n,m,h + p − u·d, …], computed the same way: im2col of dY by one-hot patches
/// [M·kH·kW, N·H·W] and one Gemm with flip(Wᵀ) as [C, M·kH·kW], transposed back to NCHW (faster here than both
/// ConvTranspose's GEMM + col2im and ONNX Runtime's Conv). Strides above 1 keep ConvTranspose.
/// </para>
/// </summary>
internal sealed class ConvRule : IGradientRule
{
    /// <summary>
    /// The weight size C·M·kH·kW (group 1) from which the GEMM path is taken: 2¹⁷ = 131,072, e.g. a 3×3 conv with
    /// 128 → 128 channels (147,456) or more; 64 → 64 (36,864) and the tests' 6-channel convs stay on the original path.
    /// </summary>
    public const long DefaultGemmThreshold = 1L << 17;

    private static readonly AsyncLocal<long?> ThresholdOverride = new();

    /// <summary>
    /// Within the returned scope (this async flow only, so parallel tests do not see it), the GEMM path is taken from
    /// weight size <paramref name="threshold"/> on instead of <see cref="DefaultGemmThreshold"/>: 0 forces it for every
    /// group-1 conv, <see cref="long.MaxValue"/> disables it. For tests and measurements.
    /// </summary>
    internal static IDisposable WithGemmThreshold(long threshold)
    {
        var previous = ThresholdOverride.Value;
        ThresholdOverride.Value = threshold;
        return new Restore(() => ThresholdOverride.Value = previous);
    }

    internal static long GemmThreshold => ThresholdOverride.Value ?? DefaultGemmThreshold;

    /// <summary>The path-selection rule: group 1 and C·M·kH·kW ≥ <see cref="GemmThreshold"/>.</summary>
    internal static bool UsesGemmPath(long group, long[] weightShape) =>
        group == 1 && weightShape[0] * weightShape[1] * weightShape[2] * weightShape[3] >= GemmThreshold;

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
        bool gemm = UsesGemmPath(group, ws);

        if (c.NeedsGradient(0))
        {
            c.AddGradient(0, gemm && FlippedConvFits(window)
                ? FlippedConvInputGradient(g, dy, w, window)
                : g.ConvTranspose(dy, w, window.Strides, window.Pads, window.Dilations, group, remainder));
        }

        if (c.NeedsGradient(1))
            c.AddGradient(1, gemm ? GemmWeightGradient(g, dy, x, ws, window) : ConvWeightGradient(g, dy, x, xs, ws, window, group));

        if (c.InputCount > 2 && c.NeedsGradient(2))
            c.AddGradient(2, g.ReduceSum(dy, [0, 2, 3], keepDims: false));
    }

    /// <summary>dX as a Conv needs stride 1 and non-negative pads d·(k−1) − p.</summary>
    internal static bool FlippedConvFits(Ops.Window2D window) =>
        window.Strides.All(s => s == 1)
        && Enumerable.Range(0, 4).All(i => window.Pads[i] <= window.Dilations[i % 2] * (window.Kernel[i % 2] - 1));

    internal static string FlippedConvInputGradient(GraphBuilder g, string dy, string w, Ops.Window2D window)
    {
        var ws = g.Shape(w);
        var xs = g.Shape(dy);
        long m = ws[0], channels = ws[1], taps = ws[2] * ws[3];
        var flipped = Flip(g, g.Transpose(w, [1, 0, 2, 3]));
        long[] pads = [.. Enumerable.Range(0, 4).Select(i => window.Dilations[i % 2] * (window.Kernel[i % 2] - 1) - window.Pads[i])];
        // Conv(dY, flipped) as im2col + one GEMM: [C, M·kH·kW]·[M·kH·kW, N·H·W] → [C, N, H, W] → NCHW.
        var cols = g.Im2Col(dy, ws[2], ws[3], [1, 1], pads, window.Dilations, out long height, out long width);
        var dx = g.Gemm(g.Reshape(flipped, [channels, m * taps]), cols);
        return g.Transpose(g.Reshape(dx, [channels, -1, height, width]), [1, 0, 2, 3]);
    }

    /// <summary>Reverses the two spatial axes of a [A, B, kH, kW] tensor (Slice with steps −1).</summary>
    private static string Flip(GraphBuilder g, string w) =>
        g.Node("Slice", [w, g.Int64s(-1, -1), g.Int64s(long.MinValue, long.MinValue), g.Int64s(2, 3), g.Int64s(-1, -1)], g.Shape(w));

    private static string GemmWeightGradient(GraphBuilder g, string dy, string x, long[] ws, Ops.Window2D window)
    {
        long m = ws[0], channels = ws[1], kh = ws[2], kw = ws[3];
        var cols = g.Im2Col(x, kh, kw, window.Strides, window.Pads, window.Dilations, out _, out _);
        // dY channel-major [M, N·Ho·Wo]; D·colsᵀ is [M, C·kH·kW], W's layout.
        var dyc = g.Reshape(g.Transpose(dy, [1, 0, 2, 3]), [m, -1]);
        return g.Reshape(g.Gemm(dyc, cols, transB: true), [m, channels, kh, kw]);
    }

    private static string ConvWeightGradient(GraphBuilder g, string dy, string x, long[] xs, long[] ws, Ops.Window2D window, long group)
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
        return g.Transpose(dwt, [1, 0, 2, 3]);
    }

    private static Onnx.NodeProto WithKernel(Onnx.NodeProto node, long[] kernel)
    {
        var copy = node.Clone();
        copy.Attribute.Add(Attr.Ints("kernel_shape", kernel));
        return copy;
    }

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }
}

using Onnx;

namespace MLNet.SoftTargets.Graphs;

/// <summary>
/// The ops of convolutional networks (ResNet-style): 2-D convolution and its transpose, inference-form batch
/// normalisation, max and average pooling, and the Flatten, Concat and Slice that join them. Tensors are NCHW; pads
/// are ONNX's <c>[top, left, bottom, right]</c>. The batch may be <see cref="GraphBuilder.Dynamic"/>; a dynamic spatial
/// size stays dynamic in the inferred shape (the gradient rules need static spatial sizes).
/// </summary>
internal static partial class Ops
{
    /// <summary>
    /// 2-D convolution <c>Y = Conv(X, W) + B</c>: X <c>[N,C,H,W]</c>, W <c>[M,C/group,kH,kW]</c>, optional bias
    /// B <c>[M]</c>; Y <c>[N,M,Ho,Wo]</c> with <c>Ho = ⌊(H + pad_top + pad_bottom − dilation·(kH−1) − 1)/stride⌋ + 1</c>.
    /// Every attribute (kernel_shape from W, strides, pads, dilations, group) is written explicitly.
    /// </summary>
    public static string Conv(this GraphBuilder g, string x, string w, string? b = null,
        long[]? strides = null, long[]? pads = null, long[]? dilations = null, long group = 1)
    {
        var xs = g.Shape(x);
        var ws = g.Shape(w);
        if (xs.Length != 4 || ws.Length != 4)
            throw new NotSupportedException($"Conv is supported in 2-D (NCHW input, [M,C/group,kH,kW] weights); got ranks {xs.Length} and {ws.Length}.");
        var geometry = Window2D.Of([ws[2], ws[3]], strides, pads, dilations);
        if (xs[1] >= 0 && ws[1] >= 0 && xs[1] != ws[1] * group)
            throw new InvalidOperationException($"Conv: the input has {xs[1]} channels, the weights expect {ws[1]}·{group}.");
        string[] inputs = b is null ? [x, w] : [x, w, b];
        return g.Node("Conv", inputs, [xs[0], ws[0], geometry.OutputSize(xs[2], 0), geometry.OutputSize(xs[3], 1)],
            [.. geometry.Attributes(), Attr.Int("group", group)]);
    }

    /// <summary>
    /// The im2col matrix of <paramref name="x"/> [N, C, H, W] for a kH×kW window: [C·kH·kW, N·Ho·Wo], row c·kH·kW + u·kW + v
    /// holding X[n, c, i·s + u·d − p_top, j·s + v·d − p_left] (0 in the padding) at column (n, i, j) — a depthwise Conv with
    /// one-hot kernels E[c·kH·kW + t, 0, u, v] = [t = u·kW + v] (exact: x·1 plus zeros), then Transpose [1,0,2].
    /// </summary>
    public static string Im2Col(this GraphBuilder g, string x, long kh, long kw, long[] strides, long[] pads, long[] dilations, out long ho, out long wo)
    {
        long channels = g.Shape(x)[1], taps = kh * kw;
        var oneHot = new double[channels * taps * taps];
        for (long ch = 0; ch < channels; ch++)
        {
            for (long tap = 0; tap < taps; tap++)
                oneHot[(ch * taps + tap) * taps + tap] = 1;
        }
        var kernel = g.AddInitializer("conv_im2col", oneHot, [channels * taps, 1, kh, kw]);
        var patches = g.Conv(x, kernel, strides: strides, pads: pads, dilations: dilations, group: channels);
        var ps = g.Shape(patches);
        ho = ps[2];
        wo = ps[3];
        return g.Reshape(g.Transpose(g.Reshape(patches, [0, channels * taps, ho * wo]), [1, 0, 2]), [channels * taps, -1]);
    }

    /// <summary>
    /// <see cref="Conv"/> (group 1) written as im2col + one GEMM, for the training step, where the weight is a graph input
    /// and ONNX Runtime cannot pre-pack it into its blocked (NCHWc) layout: cols = <see cref="Im2Col"/>(X) [C·kH·kW, N·Ho·Wo],
    /// Y = W as [M, C·kH·kW] · cols (+ B as [M, 1]) → [M, N, Ho, Wo] → NCHW. The same sums as the Conv (in another order);
    /// its gradient is the Gemm's, so dW = dY·colsᵀ reads the forward patches instead of recomputing them; dX (stride 1)
    /// goes by a <see cref="GraphBuilder.GradientShortcuts"/> entry, ConvRule's flipped-weight im2col GEMM.
    /// </summary>
    public static string ConvAsGemm(this GraphBuilder g, string x, string w, string? b = null,
        long[]? strides = null, long[]? pads = null, long[]? dilations = null)
    {
        var ws = g.Shape(w);
        var xs = g.Shape(x);
        if (xs.Length != 4 || ws.Length != 4 || ws.Any(d => d < 0) || xs[1] != ws[1])
            throw new NotSupportedException($"ConvAsGemm: a group-1 2-D convolution with a static weight shape is needed; got X [{string.Join(",", xs)}], W [{string.Join(",", ws)}].");
        var window = Window2D.Of([ws[2], ws[3]], strides, pads, dilations);
        long m = ws[0];
        var cols = g.Im2Col(x, ws[2], ws[3], window.Strides, window.Pads, window.Dilations, out long ho, out long wo);
        var y = g.Gemm(g.Reshape(w, [m, ws[1] * ws[2] * ws[3]]), cols, b is null ? null : g.Reshape(b, [m, 1]));
        var output = g.Transpose(g.Reshape(y, [m, -1, ho, wo]), [1, 0, 2, 3]);
        // dX of a stride-1 conv: im2col of dY and one Gemm with the flipped, transposed weight (ConvRule's form), not
        // Wᵀ·dY [C·kH·kW, N·Ho·Wo] then col2im (the Im2Col's ConvTranspose); the cols carry no gradient back to X then.
        if (Autodiff.Rules.ConvRule.FlippedConvFits(window))
            g.GradientShortcuts.Add(new(output, x, cols, (builder, dy) => Autodiff.Rules.ConvRule.FlippedConvInputGradient(builder, dy, builder.Resolve(w), window)));
        return output;
    }

    // Winograd F(4×4, 3×3) (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", CVPR 2016): for a 6-value
    // input tile d and a 3-tap filter w, the 4 correlation outputs are Aᵀ[(G·w) ⊙ (Bᵀ·d)]; in 2-D,
    // Y = Aᵀ[(G·W·Gᵀ) ⊙ (Bᵀ·D·B)]A per 6×6 tile (stride 4).
    private static readonly double[,] WinogradBt =
    {
        { 4, 0, -5, 0, 1, 0 }, { 0, -4, -4, 1, 1, 0 }, { 0, 4, -4, -1, 1, 0 },
        { 0, -2, -1, 2, 1, 0 }, { 0, 2, -1, -2, 1, 0 }, { 0, 4, 0, -5, 0, 1 },
    };

    private static readonly double[,] WinogradG =
    {
        { 1.0 / 4, 0, 0 }, { -1.0 / 6, -1.0 / 6, -1.0 / 6 }, { -1.0 / 6, 1.0 / 6, -1.0 / 6 },
        { 1.0 / 24, 1.0 / 12, 1.0 / 6 }, { 1.0 / 24, -1.0 / 12, 1.0 / 6 }, { 0, 0, 1 },
    };

    private static readonly double[,] WinogradAt =
    {
        { 1, 1, 1, 1, 1, 0 }, { 0, 1, -1, 2, -2, 0 }, { 0, 1, 1, 4, 4, 0 }, { 0, 1, -1, 8, -8, 1 },
    };

    /// <summary>The largest input (and output) plane <see cref="ConvAsWinograd"/> takes: its tile transforms are dense
    /// [H·W, 36·tiles] matrices, cheap next to the products up to 8×8 (ResNet's last stage is 7×7).</summary>
    public const long WinogradMaxPlane = 64;

    /// <summary>Whether <see cref="ConvAsWinograd"/> computes this convolution: 3×3, stride 1, dilation 1, group 1,
    /// static planes of at most <see cref="WinogradMaxPlane"/> values.</summary>
    public static bool WinogradFits(long[] xs, long[] ws, long group, Window2D window)
    {
        if (xs.Length != 4 || ws.Length != 4 || group != 1 || ws[2] != 3 || ws[3] != 3 || xs[2] <= 0 || xs[3] <= 0 || xs[1] != ws[1])
            return false;
        if (window.Strides.Any(s => s != 1) || window.Dilations.Any(d => d != 1))
            return false;
        long ho = window.OutputSize(xs[2], 0), wo = window.OutputSize(xs[3], 1);
        return ho > 0 && wo > 0 && xs[2] * xs[3] <= WinogradMaxPlane && ho * wo <= WinogradMaxPlane;
    }

    /// <summary>
    /// A 3×3, stride-1 <see cref="Conv"/> (group 1) as Winograd F(4×4, 3×3), for the training step: 36 products of
    /// [N·tiles, C]·[C, M] instead of one [N·Ho·Wo, 9C]·[9C, M] (2.25 × fewer multiply–adds at 7×7, where 4 tiles of 4×4
    /// cover the 7×7 output). The tile transforms are constant matrices: V = X as [N·C, H·W] · K (tile extraction, padding
    /// and Bᵀ·D·B in one), U = G·W·Gᵀ as one Gemm, the products one batched MatMul over the 36 tile positions, and
    /// Y = products as [N·M, 36·tiles] · P (Aᵀ·M·A, placed and cropped to Ho×Wo). Every step is linear, so the
    /// gradients (reverse mode over these ops) are the same products in the transformed domain — dU = Vᵀ·dM,
    /// dV = dM·Uᵀ — at the same saving. Float rounding differs from the direct sum (F(4×4) multiplies by up to 8·5;
    /// relative ≈ 1e-6 of the output's scale).
    /// </summary>
    public static string ConvAsWinograd(this GraphBuilder g, string x, string w, string? b, Window2D window)
    {
        var xs = g.Shape(x);
        var ws = g.Shape(w);
        if (!WinogradFits(xs, ws, 1, window))
            throw new NotSupportedException($"ConvAsWinograd: a 3×3, stride-1, group-1 convolution on planes of ≤ {WinogradMaxPlane} values is needed; got X [{string.Join(",", xs)}], W [{string.Join(",", ws)}].");
        long c = xs[1], h = xs[2], wd = xs[3], m = ws[0];
        long top = window.Pads[0], left = window.Pads[1];
        long ho = window.OutputSize(h, 0), wo = window.OutputSize(wd, 1);
        long th = (ho + 3) / 4, tw = (wo + 3) / 4, tiles = th * tw;

        // Kt[ξ·tiles + t, (row, col)]: tile t = (ti, tj) reads padded rows 4·ti + a, columns 4·tj + b̄ (a, b̄ < 6);
        // V[α, β] = Σ Bᵀ[α, a] D[a, b̄] Bᵀ[β, b̄], ξ = 6α + β. Rows in the padding contribute nothing.
        long plane = h * wd;
        var kt = new double[36 * tiles * plane];
        for (long ti = 0; ti < th; ti++)
        for (long tj = 0; tj < tw; tj++)
        for (int a = 0; a < 6; a++)
        for (int bb = 0; bb < 6; bb++)
        {
            long row = 4 * ti + a - top, col = 4 * tj + bb - left;
            if (row < 0 || row >= h || col < 0 || col >= wd)
                continue;
            for (int alpha = 0; alpha < 6; alpha++)
            for (int beta = 0; beta < 6; beta++)
                kt[((alpha * 6 + beta) * tiles + ti * tw + tj) * plane + row * wd + col] += WinogradBt[alpha, a] * WinogradBt[beta, bb];
        }
        // Gk[ξ, (u, v)] = G[α, u]·G[β, v]: U_ξ = Σ Gk[ξ, uv] W[·, ·, u, v].
        var gk = new double[36 * 9];
        for (int alpha = 0; alpha < 6; alpha++)
        for (int beta = 0; beta < 6; beta++)
        for (int u = 0; u < 3; u++)
        for (int v = 0; v < 3; v++)
            gk[(alpha * 6 + beta) * 9 + u * 3 + v] = WinogradG[alpha, u] * WinogradG[beta, v];
        // P[ξ·tiles + t, (i, j)] = Aᵀ[a, α]·Aᵀ[b̄, β] for output (i, j) = (4·ti + a, 4·tj + b̄) inside Ho×Wo.
        var p = new double[36 * tiles * ho * wo];
        for (long ti = 0; ti < th; ti++)
        for (long tj = 0; tj < tw; tj++)
        for (int a = 0; a < 4; a++)
        for (int bb = 0; bb < 4; bb++)
        {
            long i = 4 * ti + a, j = 4 * tj + bb;
            if (i >= ho || j >= wo)
                continue;
            for (int alpha = 0; alpha < 6; alpha++)
            for (int beta = 0; beta < 6; beta++)
                p[((alpha * 6 + beta) * tiles + ti * tw + tj) * ho * wo + i * wo + j] = WinogradAt[a, alpha] * WinogradAt[bb, beta];
        }

        // The layouts keep every copy a move of whole contiguous blocks (tiles·C or tiles·M values): the transforms read
        // X and write Y through transpose flags, the only Transposes swap the batch and tile-position axes.
        // V: per image Kt·Xₙᵀ [36·tiles, C] → [36, N·tiles, C].
        var v1 = g.MatMulT(g.AddInitializer("winograd_input", kt, [36 * tiles, plane]), g.Reshape(x, [-1, c, plane]), transB: true);
        var vt = g.Reshape(g.Transpose(g.Reshape(v1, [-1, 36, tiles * c]), [1, 0, 2]), [36, -1, c]);
        // U: Gk · (W as [M·C, 9])ᵀ → [36, M, C].
        var ut = g.Reshape(g.Gemm(g.AddInitializer("winograd_filter", gk, [36, 9]), g.Reshape(w, [m * c, 9]), transB: true), [36, m, c]);
        // Products V·Uᵀ [36, N·tiles, M] → [N, 36·tiles, M]; Y = per image productsₙᵀ·P [M, Ho·Wo].
        var products = g.MatMulT(vt, ut, transB: true);
        var perImage = g.Reshape(g.Transpose(g.Reshape(products, [36, -1, tiles * m]), [1, 0, 2]), [-1, 36 * tiles, m]);
        var y = g.MatMulT(perImage, g.AddInitializer("winograd_output", p, [36 * tiles, ho * wo]), transA: true);
        y = g.Reshape(y, [-1, m, ho, wo]);
        return b is null ? y : g.Add(y, g.Reshape(b, [m, 1, 1]));
    }

    /// <summary>
    /// 2-D transposed convolution of X <c>[N,M,H,W]</c> with W <c>[M,C/group,kH,kW]</c> (Conv's weight layout), the
    /// adjoint of <see cref="Conv"/>: output <c>[N,C,Ho,Wo]</c> with
    /// <c>Ho = stride·(H−1) + output_padding + dilation·(kH−1) + 1 − pad_top − pad_bottom</c>.
    /// </summary>
    public static string ConvTranspose(this GraphBuilder g, string x, string w, long[]? strides = null, long[]? pads = null,
        long[]? dilations = null, long group = 1, long[]? outputPadding = null)
    {
        var xs = g.Shape(x);
        var ws = g.Shape(w);
        if (xs.Length != 4 || ws.Length != 4)
            throw new NotSupportedException($"ConvTranspose is supported in 2-D; got ranks {xs.Length} and {ws.Length}.");
        var geometry = Window2D.Of([ws[2], ws[3]], strides, pads, dilations);
        outputPadding ??= [0, 0];
        long Size(long input, int axis) => input < 0
            ? GraphBuilder.Dynamic
            : geometry.Strides[axis] * (input - 1) + outputPadding[axis] + geometry.Dilations[axis] * (geometry.Kernel[axis] - 1) + 1
                - geometry.Pads[axis] - geometry.Pads[axis + 2];
        long channels = ws[1] < 0 ? GraphBuilder.Dynamic : ws[1] * group;
        return g.Node("ConvTranspose", [x, w], [xs[0], channels, Size(xs[2], 0), Size(xs[3], 1)],
            [.. geometry.Attributes(), Attr.Int("group", group), Attr.Ints("output_padding", outputPadding)]);
    }

    /// <summary>
    /// Batch normalisation in inference form (training_mode 0: frozen running statistics):
    /// <c>Y = scale·(X − mean)/√(var + ε) + B</c>, per channel (axis 1); scale, B, mean and var are <c>[C]</c>.
    /// </summary>
    public static string BatchNormalization(this GraphBuilder g, string x, string scale, string bias, string mean, string variance, float epsilon = 1e-5f)
    {
        if (g.Rank(x) < 2)
            throw new NotSupportedException("BatchNormalization needs an input of rank 2 or more (channels on axis 1).");
        return g.Node("BatchNormalization", [x, scale, bias, mean, variance], g.Shape(x),
            Attr.Float("epsilon", epsilon), Attr.Int("training_mode", 0));
    }

    /// <summary>
    /// 2-D max pooling of X <c>[N,C,H,W]</c> (output size as for <see cref="Conv"/>, padding never wins). The node
    /// always has its second output, Indices (int64, flattened over N·C·H·W, row-major), which the gradient rule
    /// scatters through.
    /// </summary>
    public static string MaxPool(this GraphBuilder g, string x, long[] kernel, long[]? strides = null, long[]? pads = null, long[]? dilations = null) =>
        g.MaxPoolWithIndices(x, [.. Window2D.Of(kernel, strides, pads, dilations).Attributes(), Attr.Int("storage_order", 0)]).Y;

    /// <summary>
    /// Adds a MaxPool node with both outputs, Y and Indices, and the given attributes (kernel_shape required; no
    /// auto_pad or ceil_mode). Also used by the MaxPool gradient rule when a forward node lacks Indices.
    /// </summary>
    internal static (string Y, string Indices) MaxPoolWithIndices(this GraphBuilder g, string x, AttributeProto[] attributes)
    {
        var xs = g.Shape(x);
        if (xs.Length != 4)
            throw new NotSupportedException($"MaxPool is supported in 2-D (NCHW); got rank {xs.Length}.");
        var geometry = Window2D.Of(attributes);
        long[] shape = [xs[0], xs[1], geometry.OutputSize(xs[2], 0), geometry.OutputSize(xs[3], 1)];
        var outputs = g.NodeWithOutputs("MaxPool", [x], [(shape, g.ElementType), (shape, TensorProto.Types.DataType.Int64)], attributes);
        return (outputs[0], outputs[1]);
    }

    /// <summary>
    /// 2-D average pooling of X <c>[N,C,H,W]</c>: each output is the mean of its window; with
    /// <paramref name="countIncludePad"/> false (ONNX's default) padded positions are left out of the count.
    /// </summary>
    public static string AveragePool(this GraphBuilder g, string x, long[] kernel, long[]? strides = null, long[]? pads = null, bool countIncludePad = false)
    {
        var xs = g.Shape(x);
        if (xs.Length != 4)
            throw new NotSupportedException($"AveragePool is supported in 2-D (NCHW); got rank {xs.Length}.");
        var geometry = Window2D.Of(kernel, strides, pads, null);
        // Opset 17's AveragePool has no dilations attribute.
        AttributeProto[] attributes =
        [
            Attr.Ints("kernel_shape", geometry.Kernel), Attr.Ints("strides", geometry.Strides), Attr.Ints("pads", geometry.Pads),
            Attr.Int("count_include_pad", countIncludePad ? 1 : 0),
        ];
        return g.Node("AveragePool", [x], [xs[0], xs[1], geometry.OutputSize(xs[2], 0), geometry.OutputSize(xs[3], 1)], attributes);
    }

    /// <summary>Mean over every spatial axis: X <c>[N,C,H,W,…]</c> → <c>[N,C,1,1,…]</c>.</summary>
    public static string GlobalAveragePool(this GraphBuilder g, string x)
    {
        var xs = g.Shape(x);
        if (xs.Length < 3)
            throw new NotSupportedException("GlobalAveragePool needs an input of rank 3 or more.");
        return g.Node("GlobalAveragePool", [x], [xs[0], xs[1], .. Enumerable.Repeat(1L, xs.Length - 2)]);
    }

    /// <summary>Flattens to 2-D: <c>[d0·…·d(axis−1), d(axis)·…·d(r−1)]</c> (a dynamic factor makes that side dynamic).</summary>
    public static string Flatten(this GraphBuilder g, string x, long axis = 1)
    {
        var xs = g.Shape(x);
        long a = axis < 0 ? axis + xs.Length : axis;
        if (a < 0 || a > xs.Length)
            throw new ArgumentOutOfRangeException(nameof(axis), axis, $"Flatten of a rank-{xs.Length} tensor.");
        static long Product(IEnumerable<long> dims) => dims.Any(d => d < 0) ? GraphBuilder.Dynamic : dims.Aggregate(1L, (p, d) => p * d);
        return g.Node("Flatten", [x], [Product(xs.Take((int)a)), Product(xs.Skip((int)a))], Attr.Int("axis", axis));
    }

    /// <summary>Concatenation along <paramref name="axis"/>; the other dimensions must agree.</summary>
    public static string Concat(this GraphBuilder g, long axis, params string[] inputs)
    {
        if (inputs.Length == 0)
            throw new ArgumentException("Concat needs at least one input.", nameof(inputs));
        var shapes = inputs.Select(g.Shape).ToArray();
        int rank = shapes[0].Length;
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank || shapes.Any(s => s.Length != rank))
            throw new InvalidOperationException($"Concat along axis {axis} of inputs of ranks {string.Join(", ", shapes.Select(s => s.Length))}.");
        var output = (long[])shapes[0].Clone();
        output[a] = shapes.Any(s => s[a] < 0) ? GraphBuilder.Dynamic : shapes.Sum(s => s[a]);
        for (int i = 0; i < rank; i++)
        {
            if (i != a)
                output[i] = shapes.Select(s => s[i]).FirstOrDefault(d => d >= 0, GraphBuilder.Dynamic);
        }
        return g.Node("Concat", inputs, output, Attr.Int("axis", axis));
    }

    /// <summary>The elements <c>[start, end)</c> of <paramref name="x"/> along <paramref name="axis"/> (static bounds, step 1).</summary>
    public static string Slice(this GraphBuilder g, string x, long axis, long start, long end)
    {
        var shape = (long[])g.Shape(x).Clone();
        long a = axis < 0 ? axis + shape.Length : axis;
        shape[a] = end - start;
        return g.Node("Slice", [x, g.Int64s(start), g.Int64s(end), g.Int64s(a)], shape);
    }

    /// <summary>
    /// The window of a 2-D Conv, ConvTranspose or pooling node: kernel, strides, pads <c>[top, left, bottom, right]</c>
    /// and dilations, with ONNX's defaults (stride 1, no padding, dilation 1).
    /// </summary>
    internal sealed record Window2D(long[] Kernel, long[] Strides, long[] Pads, long[] Dilations)
    {
        public static Window2D Of(long[] kernel, long[]? strides, long[]? pads, long[]? dilations)
        {
            var window = new Window2D(kernel, strides ?? [1, 1], pads ?? [0, 0, 0, 0], dilations ?? [1, 1]);
            if (window.Kernel.Length != 2 || window.Strides.Length != 2 || window.Pads.Length != 4 || window.Dilations.Length != 2)
                throw new NotSupportedException("Only 2-D windows are supported: 2 kernel sizes, 2 strides, 4 pads, 2 dilations.");
            if (window.Kernel.Any(k => k < 1) || window.Strides.Any(s => s < 1) || window.Dilations.Any(d => d < 1) || window.Pads.Any(p => p < 0))
                throw new ArgumentException("Kernel sizes, strides and dilations must be positive, pads non-negative.");
            return window;
        }

        /// <summary>The window of a node's attributes; explicit pads only (auto_pad NOTSET or VALID), no ceil_mode.</summary>
        public static Window2D Of(IEnumerable<AttributeProto> attributes)
        {
            var node = new NodeProto();
            node.Attribute.AddRange(attributes);
            return Of(node);
        }

        /// <inheritdoc cref="Of(IEnumerable{AttributeProto})"/>
        public static Window2D Of(NodeProto node)
        {
            string autoPad = node.Attribute.FirstOrDefault(a => a.Name == "auto_pad")?.S.ToStringUtf8() ?? "NOTSET";
            if (autoPad is not ("NOTSET" or "VALID" or ""))
                throw new NotSupportedException($"{node.OpType} '{node.Output.FirstOrDefault()}': auto_pad {autoPad} is not supported; give explicit pads.");
            if (Attr.GetInt(node, "ceil_mode", 0) != 0)
                throw new NotSupportedException($"{node.OpType} '{node.Output.FirstOrDefault()}': ceil_mode 1 is not supported.");
            var kernel = Attr.GetInts(node, "kernel_shape")
                ?? throw new NotSupportedException($"{node.OpType} '{node.Output.FirstOrDefault()}': kernel_shape must be given.");
            return Of(kernel, Attr.GetInts(node, "strides"), autoPad == "VALID" ? null : Attr.GetInts(node, "pads"), Attr.GetInts(node, "dilations"));
        }

        /// <summary>The output size along spatial <paramref name="axis"/> (0: height, 1: width) of an input of size <paramref name="input"/>.</summary>
        public long OutputSize(long input, int axis)
        {
            if (input < 0)
                return GraphBuilder.Dynamic;
            long span = input + Pads[axis] + Pads[axis + 2] - Dilations[axis] * (Kernel[axis] - 1) - 1;
            if (span < 0)
                throw new InvalidOperationException($"A window of {Kernel[axis]} (dilation {Dilations[axis]}) does not fit an input of {input} padded by {Pads[axis]}+{Pads[axis + 2]}.");
            return span / Strides[axis] + 1;
        }

        /// <summary>
        /// The rows (or columns) at the end of the input that no window reaches: <c>(H + pads − dilation·(k−1) − 1) mod stride</c>.
        /// The transposed op adds them back as output_padding so that a gradient has exactly the input's size.
        /// </summary>
        public long Remainder(long input, int axis) =>
            (input + Pads[axis] + Pads[axis + 2] - Dilations[axis] * (Kernel[axis] - 1) - 1) % Strides[axis];

        public AttributeProto[] Attributes() =>
            [Attr.Ints("kernel_shape", Kernel), Attr.Ints("strides", Strides), Attr.Ints("pads", Pads), Attr.Ints("dilations", Dilations)];
    }
}

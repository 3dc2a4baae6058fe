using MLNet.SoftTargets.Graphs;
using Onnx;

namespace MLNet.SoftTargets.Tests.Graphs;

/// <summary>
/// <see cref="Ops.ConvAsWinograd"/> (F(4×4, 3×3) with constant tile transforms, the training step's form of large 3×3
/// stride-1 convs on small planes): the same values as the Conv node, gradients against central differences, and the same
/// gradients as <see cref="Ops.ConvAsGemm"/> at a realistic width.
/// </summary>
[TestClass]
public sealed class ConvAsWinogradTests
{
    /// <summary>X, W (3×3), pads [top, left, bottom, right], bias.</summary>
    public static IEnumerable<object[]> Convs =>
    [
        [new long[] { 2, 3, 7, 7 }, new long[] { 4, 3, 3, 3 }, new long[] { 1, 1, 1, 1 }, true],     // ResNet's last stage: 4 tiles, cropped
        [new long[] { 2, 3, 8, 8 }, new long[] { 4, 3, 3, 3 }, new long[] { 1, 1, 1, 1 }, false],    // exactly 2×2 tiles
        [new long[] { 3, 2, 6, 5 }, new long[] { 3, 2, 3, 3 }, new long[] { 0, 0, 0, 0 }, false],    // valid: 4×3 output
        [new long[] { 2, 3, 5, 6 }, new long[] { 4, 3, 3, 3 }, new long[] { 2, 0, 1, 2 }, true],     // asymmetric pads
        [new long[] { 1, 2, 3, 3 }, new long[] { 2, 2, 3, 3 }, new long[] { 1, 1, 1, 1 }, false],    // one partial tile
        [new long[] { GraphBuilder.Dynamic, 3, 7, 7 }, new long[] { 4, 3, 3, 3 }, new long[] { 1, 1, 1, 1 }, true],
    ];

    private static string Label(long[] x, long[] w, long[] pads, bool bias) =>
        $"X [{string.Join(",", x)}] W [{string.Join(",", w)}] pads [{string.Join(",", pads)}] bias {bias}";

    private static GradientInput[] Inputs(long[] x, long[] w, bool bias) =>
        bias ? [new("x", x), new("w", w), new("b", [w[0]])] : [new("x", x), new("w", w)];

    private static Ops.Window2D Window(long[] pads) => Ops.Window2D.Of([3, 3], [1, 1], pads, [1, 1]);

    [TestMethod]
    public void WinogradFits_OnlySmallStrideOneThreeByThree()
    {
        var same = Window([1, 1, 1, 1]);
        Assert.IsTrue(Ops.WinogradFits([8, 512, 7, 7], [512, 512, 3, 3], 1, same));
        Assert.IsTrue(Ops.WinogradFits([8, 512, 8, 8], [512, 512, 3, 3], 1, same));
        Assert.IsFalse(Ops.WinogradFits([8, 512, 9, 9], [512, 512, 3, 3], 1, same), "plane above 64 values");
        Assert.IsFalse(Ops.WinogradFits([8, 512, 7, 7], [512, 512, 1, 1], 1, Ops.Window2D.Of([1, 1], [1, 1], [0, 0, 0, 0], [1, 1])), "1×1");
        Assert.IsFalse(Ops.WinogradFits([8, 512, 7, 7], [512, 512, 3, 3], 1, Ops.Window2D.Of([3, 3], [2, 2], [1, 1, 1, 1], [1, 1])), "stride 2");
        Assert.IsFalse(Ops.WinogradFits([8, 512, 7, 7], [512, 512, 3, 3], 1, Ops.Window2D.Of([3, 3], [1, 1], [1, 1, 1, 1], [2, 2])), "dilation 2");
        Assert.IsFalse(Ops.WinogradFits([8, 512, 7, 7], [512, 256, 3, 3], 2, same), "group 2");
        Assert.IsFalse(Ops.WinogradFits([8, 512, -1, 7], [512, 512, 3, 3], 1, same), "dynamic height");
    }

    [TestMethod]
    [DynamicData(nameof(Convs))]
    public void ConvAsWinograd_EqualsConv(long[] x, long[] w, long[] pads, bool bias)
    {
        // Wide channels (many terms per sum), float, relative 1e-4 with the output's RMS as the floor of the scale: F(4×4, 3×3)
        // multiplies by transform entries up to 8·5 before the sums and rounds there; observed ≈ 2e-5 (the GEMM form: 1e-6).
        long[] wideX = [x[0], x[1] * 16, x[2], x[3]];
        long[] wideW = [w[0] * 8, w[1] * 16, w[2], w[3]];
        string label = Label(wideX, wideW, pads, bias);
        ConvAsGemmTests.AssertEqualsConv(label, Inputs(wideX, wideW, bias), [1, 1], pads, [1, 1], 1e-4,
            (g, v) => g.ConvAsWinograd(v[0], v[1], bias ? v[2] : null, Window(pads)));
        Assert.IsFalse(ConvGraph(wideX, wideW, pads, bias).ToModel().Graph.Node.Any(n => n.OpType == "Conv"), $"{label}: a Conv is left");
    }

    private static GraphBuilder ConvGraph(long[] x, long[] w, long[] pads, bool bias)
    {
        var g = new GraphBuilder(TensorProto.Types.DataType.Float);
        var v = Inputs(x, w, bias).Select(i => g.AddInput(i.Name, i.Shape)).ToArray();
        g.AddOutput(g.ConvAsWinograd(v[0], v[1], bias ? v[2] : null, Window(pads)), "y");
        return g;
    }

    [TestMethod]
    [DynamicData(nameof(Convs))]
    public void ConvAsWinograd_MatchesCentralDifferences(long[] x, long[] w, long[] pads, bool bias) =>
        GradientCheck.Verify("conv as winograd " + Label(x, w, pads, bias), Inputs(x, w, bias),
            (g, v) => g.ConvAsWinograd(v[0], v[1], bias ? v[2] : null, Window(pads)));

    [TestMethod]
    [DataRow(64L, 1e-4)]
    [DataRow(512L, 1e-4)]
    public void ConvAsWinograd_GradientsEqualGemmForm_AtWidth(long channels, double relative)
    {
        // Float, ResNet's last-stage geometry (7×7, pads 1): dX and dW of the Winograd form against the im2col GEMM form.
        long[] xs = [2, channels, 7, 7];
        long[] ws = [channels, channels, 3, 3];
        string label = Label(xs, ws, [1, 1, 1, 1], false);
        var inputs = Inputs(xs, ws, false);
        var gemm = GradientCheck.Build(inputs, (g, v) => g.ConvAsGemm(v[0], v[1], null, [1, 1], [1, 1, 1, 1], [1, 1]), TensorProto.Types.DataType.Float);
        var winograd = GradientCheck.Build(inputs, (g, v) => g.ConvAsWinograd(v[0], v[1], null, Window([1, 1, 1, 1])), TensorProto.Types.DataType.Float);
        GradientCheck.AssertSameGradients(label, inputs, gemm, winograd, relative);
    }
}

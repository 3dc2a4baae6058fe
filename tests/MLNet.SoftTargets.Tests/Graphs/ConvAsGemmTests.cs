using MLNet.SoftTargets.Graphs;
using Onnx;

namespace MLNet.SoftTargets.Tests.Graphs;

/// <summary>
/// <see cref="Ops.ConvAsGemm"/> (im2col over one-hot depthwise-Conv patches + one Gemm, the training step's form of large
/// group-1 convs): the same values as the Conv node, and gradients through it (GemmRule, the patch Conv's dX, Transpose,
/// Reshape) against central differences.
/// </summary>
[TestClass]
public sealed class ConvAsGemmTests
{
    /// <summary>X, W, stride, pads [top, left, bottom, right], dilation, bias.</summary>
    public static IEnumerable<object[]> Convs =>
    [
        [new long[] { 2, 3, 5, 5 }, new long[] { 4, 3, 3, 3 }, 1L, new long[] { 1, 1, 1, 1 }, 1L, true],
        [new long[] { 3, 3, 6, 7 }, new long[] { 4, 3, 3, 2 }, 1L, new long[] { 0, 0, 0, 0 }, 1L, false],
        [new long[] { 2, 3, 7, 6 }, new long[] { 4, 3, 3, 3 }, 2L, new long[] { 1, 1, 1, 1 }, 1L, true],
        [new long[] { 2, 3, 6, 5 }, new long[] { 4, 3, 3, 3 }, 2L, new long[] { 0, 0, 1, 1 }, 1L, false],
        [new long[] { 2, 3, 9, 8 }, new long[] { 4, 3, 3, 3 }, 3L, new long[] { 2, 2, 2, 2 }, 2L, true],
        [new long[] { GraphBuilder.Dynamic, 3, 6, 6 }, new long[] { 4, 3, 3, 3 }, 1L, new long[] { 1, 1, 1, 1 }, 1L, true],
    ];

    private static string Label(long[] x, long[] w, long stride, long[] pads, long dilation, bool bias) =>
        $"X [{string.Join(",", x)}] W [{string.Join(",", w)}] stride {stride} pads [{string.Join(",", pads)}] dilation {dilation} bias {bias}";

    private static GradientInput[] Inputs(long[] x, long[] w, bool bias) =>
        bias ? [new("x", x), new("w", w), new("b", [w[0]])] : [new("x", x), new("w", w)];

    [TestMethod]
    [DynamicData(nameof(Convs))]
    public void ConvAsGemm_EqualsConv(long[] x, long[] w, long stride, long[] pads, long dilation, bool bias)
    {
        // Wide channels (many terms per sum), float, relative 1e-5 with the output's RMS as the floor of the scale.
        long[] wideX = [x[0], x[1] * 16, x[2], x[3]];
        long[] wideW = [w[0] * 8, w[1] * 16, w[2], w[3]];
        string label = Label(wideX, wideW, stride, pads, dilation, bias);
        AssertEqualsConv(label, Inputs(wideX, wideW, bias), [stride, stride], pads, [dilation, dilation], 1e-5,
            (g, v) => g.ConvAsGemm(v[0], v[1], bias ? v[2] : null, [stride, stride], pads, [dilation, dilation]));
    }

    /// <summary>
    /// <paramref name="candidate"/> (a rewritten convolution of inputs x, w[, b]) gives the Conv node's output shape, has no
    /// Conv reading the weight, and equals the Conv's values on seeded float inputs to <paramref name="relative"/> (RMS floor).
    /// </summary>
    internal static void AssertEqualsConv(string label, GradientInput[] inputs, long[] strides, long[] pads, long[] dilations, double relative,
        Func<GraphBuilder, string[], string> candidate)
    {
        GraphBuilder Build(bool rewritten)
        {
            var g = new GraphBuilder(TensorProto.Types.DataType.Float);
            var v = inputs.Select(i => g.AddInput(i.Name, i.Shape)).ToArray();
            var y = rewritten ? candidate(g, v) : g.Conv(v[0], v[1], v.Length > 2 ? v[2] : null, strides, pads, dilations);
            g.AddOutput(y, "y");
            return g;
        }
        var conv = Build(false);
        var other = Build(true);
        Assert.IsFalse(other.ToModel().Graph.Node.Any(n => n.OpType == "Conv" && n.Input[1] == "w"), $"{label}: a Conv still reads the weight");
        CollectionAssert.AreEqual(conv.Shape("y"), other.Shape("y"), $"{label}: static shape");
        var rng = new Random(GradientCheck.StableSeed(label));
        var feeds = inputs.ToDictionary(i => i.Name, i => GradientCheck.Random(rng, [.. i.Shape.Select(d => d < 0 ? 3 : d)], ValueRange.Signed) is var t
            ? t with { Data = Array.ConvertAll(t.Data, d => (double)(float)d) } : null!);
        TestTensor expected, actual;
        using (var runner = new OnnxTestRunner(conv.ToModel()))
            expected = runner.RunOne(feeds, "y");
        using (var runner = new OnnxTestRunner(other.ToModel()))
            actual = runner.RunOne(feeds, "y");
        GradientCheck.AssertClose(expected, actual, relative, $"{label}: y");
    }

    [TestMethod]
    [DynamicData(nameof(Convs))]
    public void ConvAsGemm_MatchesCentralDifferences(long[] x, long[] w, long stride, long[] pads, long dilation, bool bias) =>
        GradientCheck.Verify("conv as gemm " + Label(x, w, stride, pads, dilation, bias), Inputs(x, w, bias),
            (g, v) => g.ConvAsGemm(v[0], v[1], bias ? v[2] : null, [stride, stride], pads, [dilation, dilation]), TensorProto.Types.DataType.Float);

    [TestMethod]
    [DynamicData(nameof(Convs))]
    public void ConvAsGemm_FlippedWeightInputGradient_EqualsGemmThenCol2Im(long[] x, long[] w, long stride, long[] pads, long dilation, bool bias)
    {
        // dX by the gradient shortcut (im2col of dY, one Gemm with the flipped weight) against the nodes' own rules
        // (Wᵀ·dY, then the Im2Col's ConvTranspose), shortcut removed; wide channels, float, relative 1e-4 with RMS floor.
        long[] wideX = [x[0], x[1] * 8, x[2], x[3]];
        long[] wideW = [w[0] * 6, w[1] * 8, w[2], w[3]];
        string label = Label(wideX, wideW, stride, pads, dilation, bias);
        var inputs = Inputs(wideX, wideW, bias);
        Func<GraphBuilder, string[], string> Forward(bool shortcut) => (g, v) =>
        {
            var y = g.ConvAsGemm(v[0], v[1], bias ? v[2] : null, [stride, stride], pads, [dilation, dilation]);
            if (!shortcut)
                g.GradientShortcuts.Clear();
            return y;
        };
        var flipped = GradientCheck.Build(inputs, Forward(true), TensorProto.Types.DataType.Float);
        var col2im = GradientCheck.Build(inputs, Forward(false), TensorProto.Types.DataType.Float);
        bool fits = stride == 1;
        Assert.AreEqual(fits ? 0 : 1, flipped.ToModel().Graph.Node.Count(n => n.OpType == "ConvTranspose"), $"{label}: ConvTransposes with the shortcut");
        Assert.AreEqual(1, col2im.ToModel().Graph.Node.Count(n => n.OpType == "ConvTranspose"), $"{label}: ConvTransposes without it");

        GradientCheck.AssertSameGradients(label, inputs, col2im, flipped, 1e-4);
    }
}

using MLNet.SoftTargets.Graphs;
using MLNet.SoftTargets.Graphs.Autodiff.Rules;
using Onnx;

namespace MLNet.SoftTargets.Tests.Graphs.Autodiff.Rules;

/// <summary>
/// The large-convolution path of <see cref="ConvRule"/> (dW as one im2col GEMM over one-hot depthwise-Conv patches, dX of a stride-1 conv as the same with dY's
/// patches and the flipped weight), forced on small convs with <see cref="ConvRule.WithGemmThreshold"/>: against central differences and
/// against the original path (ConvTranspose dX, channels-as-batch Conv dW) on the same inputs, and the selection rule.
/// </summary>
[TestClass]
public sealed class ConvGemmPathTests
{
    private const TensorProto.Types.DataType Float = TensorProto.Types.DataType.Float;

    /// <summary>X, W, stride, pads [top, left, bottom, right], dilation, bias.</summary>
    public static IEnumerable<object[]> Convs =>
    [
        [new long[] { 2, 3, 5, 5 }, new long[] { 4, 3, 3, 3 }, 1L, new long[] { 1, 1, 1, 1 }, 1L, true],
        [new long[] { 3, 3, 6, 7 }, new long[] { 4, 3, 3, 2 }, 1L, new long[] { 0, 0, 0, 0 }, 1L, false],
        [new long[] { 2, 3, 6, 7 }, new long[] { 5, 3, 2, 3 }, 1L, new long[] { 1, 1, 1, 1 }, 1L, false],
        [new long[] { 2, 3, 7, 6 }, new long[] { 4, 3, 3, 3 }, 2L, new long[] { 1, 1, 1, 1 }, 1L, true],
        [new long[] { 3, 2, 8, 7 }, new long[] { 3, 2, 3, 2 }, 2L, new long[] { 0, 0, 0, 0 }, 1L, false],
        [new long[] { 2, 3, 6, 5 }, new long[] { 4, 3, 3, 3 }, 2L, new long[] { 0, 0, 1, 1 }, 1L, true],
        [new long[] { 2, 3, 7, 7 }, new long[] { 4, 3, 1, 1 }, 2L, new long[] { 0, 0, 0, 0 }, 1L, false],
        [new long[] { 2, 3, 9, 8 }, new long[] { 4, 3, 3, 3 }, 1L, new long[] { 2, 1, 2, 1 }, 2L, false],
        [new long[] { 2, 3, 9, 8 }, new long[] { 4, 3, 3, 3 }, 3L, new long[] { 2, 2, 2, 2 }, 2L, true],
        [new long[] { GraphBuilder.Dynamic, 3, 6, 6 }, new long[] { 4, 3, 3, 3 }, 1L, new long[] { 1, 1, 1, 1 }, 1L, true],
        [new long[] { GraphBuilder.Dynamic, 3, 6, 6 }, new long[] { 4, 3, 3, 3 }, 2L, new long[] { 1, 1, 1, 1 }, 1L, false],
    ];

    private static Func<GraphBuilder, string[], string> Forward(long stride, long[] pads, long dilation, bool bias) =>
        (g, v) => g.Conv(v[0], v[1], bias ? v[2] : null, [stride, stride], pads, [dilation, dilation]);

    private static GradientInput[] Inputs(long[] x, long[] w, bool bias) =>
        bias ? [new("x", x), new("w", w), new("b", [w[0]])] : [new("x", x), new("w", w)];

    private static string Label(long[] x, long[] w, long stride, long[] pads, long dilation, bool bias) =>
        $"X [{string.Join(",", x)}] W [{string.Join(",", w)}] stride {stride} pads [{string.Join(",", pads)}] dilation {dilation} bias {bias}";

    [TestMethod]
    [DynamicData(nameof(Convs))]
    public void GemmPath_MatchesCentralDifferences(long[] x, long[] w, long stride, long[] pads, long dilation, bool bias)
    {
        using (ConvRule.WithGemmThreshold(0))
            GradientCheck.Verify("gemm path " + Label(x, w, stride, pads, dilation, bias), Inputs(x, w, bias), Forward(stride, pads, dilation, bias), Float);
    }

    [TestMethod]
    [DynamicData(nameof(Convs))]
    public void GemmPath_GivesTheOriginalPathsGradients(long[] x, long[] w, long stride, long[] pads, long dilation, bool bias)
    {
        // Wider channels than the finite-difference cases, so the sums have many terms.
        long[] wideX = [x[0], x[1] * 8, x[2], x[3]];
        long[] wideW = [w[0] * 6, w[1] * 8, w[2], w[3]];
        var inputs = Inputs(wideX, wideW, bias);
        var forward = Forward(stride, pads, dilation, bias);
        string label = Label(wideX, wideW, stride, pads, dilation, bias);
        GraphBuilder gemm, original;
        using (ConvRule.WithGemmThreshold(0))
            gemm = GradientCheck.Build(inputs, forward, Float);
        using (ConvRule.WithGemmThreshold(long.MaxValue))
            original = GradientCheck.Build(inputs, forward, Float);
        Assert.IsTrue(gemm.ToModel().Graph.Node.Any(n => n.OpType == "Gemm"), $"{label}: the forced path has no Gemm");
        Assert.IsFalse(original.ToModel().Graph.Node.Any(n => n.OpType == "Gemm"), $"{label}: the original path has a Gemm");

        // Relative 1e-4 per element, with the tensor's RMS as the floor of the scale (float sums in another order).
        GradientCheck.AssertSameGradients(label, inputs, original, gemm, 1e-4);
    }

    [TestMethod]
    public void PathSelection_LargeGroup1ConvsTakeTheGemmPath()
    {
        static string[] GradientOps(long[] x, long[] w, long stride, long group)
        {
            var inputs = new GradientInput[] { new("x", x), new("w", w) };
            var g = GradientCheck.Build(inputs, (b, v) => b.Conv(v[0], v[1], null, [stride, stride], [1, 1, 1, 1], null, group), Float);
            return [.. g.ToModel().Graph.Node.Select(n => n.OpType)];
        }

        // ResNet18's last block: 512 → 512, 3×3 (2,359,296 ≥ 2^17). dX and dW each one Gemm over one-hot patches, no
        // ConvTranspose: three Convs (the forward one and the two patch convs).
        var large = GradientOps([2, 512, 7, 7], [512, 512, 3, 3], 1, 1);
        Assert.AreEqual(2, large.Count(o => o == "Gemm"));
        Assert.AreEqual(0, large.Count(o => o == "ConvTranspose"));
        Assert.AreEqual(3, large.Count(o => o == "Conv"));
        // Stride 2: the GEMM dW, dX stays a ConvTranspose.
        var strided = GradientOps([2, 128, 8, 8], [128, 128, 3, 3], 2, 1);
        Assert.AreEqual(1, strided.Count(o => o == "Gemm"));
        Assert.AreEqual(1, strided.Count(o => o == "ConvTranspose"));
        // Below the threshold (64·64·9 = 36,864) and grouped convs: the original path.
        foreach (var ops in new[] { GradientOps([2, 64, 8, 8], [64, 64, 3, 3], 1, 1), GradientOps([2, 512, 7, 7], [512, 256, 3, 3], 1, 2) })
        {
            Assert.AreEqual(0, ops.Count(o => o == "Gemm"));
            Assert.AreEqual(1, ops.Count(o => o == "ConvTranspose"));
        }
        Assert.AreEqual(ConvRule.DefaultGemmThreshold, ConvRule.GemmThreshold);
    }
}

using MLNet.SoftTargets.Graphs;
using Onnx;

namespace MLNet.SoftTargets.Tests.Graphs.Autodiff.Rules;

/// <summary>
/// The finite-difference cases of the convolutional-network rules (Conv, BatchNormalization, MaxPool, AveragePool,
/// GlobalAveragePool, Flatten, Concat), with the attribute combinations of ResNet18: 7×7 stride 2 pad 3, 3×3 stride 1 and
/// 2 pad 1, 1×1 stride 2 pad 0, bias present or absent, max pooling 3×3 stride 2 pad 1; input sizes with and without
/// rows that no window reaches (the transposed ops' output_padding, the weight gradient's slice).
/// </summary>
public sealed partial class GradientRuleTests
{
    private const TensorProto.Types.DataType Float = TensorProto.Types.DataType.Float;

    private static void AddConvolutionCases(Dictionary<string, GradientCase> cases)
    {
        void Add(string name, Func<GraphBuilder, string[], string> forward, params GradientInput[] inputs) =>
            cases.Add(name, new GradientCase(inputs, forward));
        // ONNX Runtime's CPU provider has no float64 Conv, ConvTranspose, AveragePool or GlobalAveragePool: these cases
        // run in float32 with a 2e-3 relative tolerance and a large step (CheckTolerance.Float), exact here because the
        // loss is affine in every single input element.
        void AddFloat(string name, Func<GraphBuilder, string[], string> forward, params GradientInput[] inputs) =>
            cases.Add(name, new GradientCase(inputs, forward, Float));
        static string Dims(long[] shape) => $"[{string.Join(",", shape.Select(d => d == GraphBuilder.Dynamic ? "N" : d.ToString(System.Globalization.CultureInfo.InvariantCulture)))}]";

        // Conv: X, W [M, C/group, k, k] and optional B [M]. Sizes where (H + pads − d·(k−1) − 1) mod stride is 0 and
        // where it is not (then dX needs output_padding and the dW convolution is sliced).
        (string Label, long[] X, long[] W, long Stride, long[] Pads, long Dilation, long Group, bool Bias)[] convs =
        [
            ("7x7 stride 2 pad 3", [2, 3, 7, 7], [4, 3, 7, 7], 2, [3, 3, 3, 3], 1, 1, false),
            ("7x7 stride 2 pad 3", [2, 3, 8, 9], [4, 3, 7, 7], 2, [3, 3, 3, 3], 1, 1, true),
            ("3x3 stride 1 pad 1", [2, 3, 5, 5], [4, 3, 3, 3], 1, [1, 1, 1, 1], 1, 1, true),
            ("3x3 stride 1 pad 1", [2, 3, 5, 6], [4, 3, 3, 3], 1, [1, 1, 1, 1], 1, 1, false),
            ("3x3 stride 2 pad 1", [2, 3, 5, 5], [4, 3, 3, 3], 2, [1, 1, 1, 1], 1, 1, false),
            ("3x3 stride 2 pad 1", [2, 3, 6, 6], [4, 3, 3, 3], 2, [1, 1, 1, 1], 1, 1, true),
            ("1x1 stride 2 pad 0", [2, 3, 5, 5], [4, 3, 1, 1], 2, [0, 0, 0, 0], 1, 1, false),
            ("1x1 stride 2 pad 0", [2, 3, 6, 7], [4, 3, 1, 1], 2, [0, 0, 0, 0], 1, 1, true),
            ("3x3 stride 2 pads top-left 0 bottom-right 1", [2, 3, 6, 5], [4, 3, 3, 3], 2, [0, 0, 1, 1], 1, 1, true),
            ("3x3 stride 3 dilation 2 pad 2", [2, 3, 9, 8], [4, 3, 3, 3], 3, [2, 2, 2, 2], 2, 1, true),
            ("3x3 stride 2 pad 1 depthwise", [2, 3, 6, 5], [3, 1, 3, 3], 2, [1, 1, 1, 1], 1, 3, true),
            ("3x3 stride 1 pad 1", [2, 4, 5, 5], [6, 2, 3, 3], 1, [1, 1, 1, 1], 1, 2, false),
            ("3x3 stride 2 pad 1", [GraphBuilder.Dynamic, 4, 6, 6], [6, 2, 3, 3], 2, [1, 1, 1, 1], 1, 2, true),
            ("3x3 stride 2 pad 1", [GraphBuilder.Dynamic, 3, 6, 6], [4, 3, 3, 3], 2, [1, 1, 1, 1], 1, 1, true),
        ];
        foreach (var (label, x, w, stride, pads, dilation, group, bias) in convs)
        {
            string name = $"Conv {label} group {group} X {Dims(x)} W {Dims(w)} bias {(bias ? "yes" : "no")}";
            GradientInput[] inputs = bias ? [new("x", x), new("w", w), new("b", [w[0]])] : [new("x", x), new("w", w)];
            AddFloat(name, (g, v) => g.Conv(v[0], v[1], bias ? v[2] : null, [stride, stride], pads, [dilation, dilation], group), inputs);
        }
        AddFloat("Conv defaults 3x3 X [2,3,5,5] (no strides, pads or kernel_shape attributes)",
            (g, v) => g.Node("Conv", [v[0], v[1]], [2, 4, 3, 3]), new("x", [2, 3, 5, 5]), new("w", [4, 3, 3, 3]));

        // BatchNormalization in inference form: every input differentiated, the statistics included.
        foreach (var x in new long[][] { [2, 3, 5, 5], [4, 3], [GraphBuilder.Dynamic, 3, 4, 5] })
        {
            Add($"BatchNormalization X {Dims(x)} epsilon 1e-3", (g, v) => g.BatchNormalization(v[0], v[1], v[2], v[3], v[4], 1e-3f),
                new("x", x), new("scale", [3]), new("bias", [3]), new("mean", [3]), new("var", [3], ValueRange.Positive));
        }

        // MaxPool: distinct inputs (a stable argmax); overlapping windows (stride < kernel) add up at a shared argmax.
        (string Label, long[] X, long[] Kernel, long Stride, long[] Pads, long Dilation)[] maxPools =
        [
            ("3x3 stride 2 pad 1", [2, 3, 7, 7], [3, 3], 2, [1, 1, 1, 1], 1),
            ("3x3 stride 2 pad 1", [2, 3, 6, 5], [3, 3], 2, [1, 1, 1, 1], 1),
            ("2x2 stride 2", [2, 3, 5, 5], [2, 2], 2, [0, 0, 0, 0], 1),
            ("3x3 stride 1 pad 1", [2, 3, 5, 5], [3, 3], 1, [1, 1, 1, 1], 1),
            ("2x3 stride 1 dilation 2", [2, 3, 6, 7], [2, 3], 1, [0, 0, 0, 0], 2),
            ("3x3 stride 2 pad 1", [GraphBuilder.Dynamic, 3, 7, 7], [3, 3], 2, [1, 1, 1, 1], 1),
        ];
        foreach (var (label, x, kernel, stride, pads, dilation) in maxPools)
        {
            Add($"MaxPool {label} X {Dims(x)}", (g, v) => g.MaxPool(v[0], kernel, [stride, stride], pads, [dilation, dilation]),
                new GradientInput("x", x, ValueRange.Distinct));
        }
        // A MaxPool node without its Indices output (not made by Ops.MaxPool): the rule recomputes the Indices.
        Add("MaxPool 3x3 stride 2 pad 1 X [2,3,7,7] without Indices output",
            (g, v) => g.Node("MaxPool", [v[0]], [2, 3, 4, 4], Attr.Ints("kernel_shape", 3, 3), Attr.Ints("strides", 2, 2), Attr.Ints("pads", 1, 1, 1, 1)),
            new GradientInput("x", [2, 3, 7, 7], ValueRange.Distinct));

        // AveragePool: padded windows counted with and without the padding (count_include_pad 1 / 0), uncovered rows.
        (string Label, long[] X, long[] Kernel, long Stride, long[] Pads)[] averagePools =
        [
            ("3x3 stride 2 pad 1", [2, 3, 7, 7], [3, 3], 2, [1, 1, 1, 1]),
            ("3x3 stride 2 pad 1", [2, 3, 6, 5], [3, 3], 2, [1, 1, 1, 1]),
            ("3x3 stride 1 pad 1", [2, 3, 5, 5], [3, 3], 1, [1, 1, 1, 1]),
            ("2x2 stride 2", [2, 3, 5, 6], [2, 2], 2, [0, 0, 0, 0]),
            ("3x2 stride 2 pads top-left 1 bottom-right 0", [2, 3, 6, 7], [3, 2], 2, [1, 1, 0, 0]),
            ("5x6 over the whole input (Expand)", [2, 3, 5, 6], [5, 6], 1, [0, 0, 0, 0]),
            ("4x4 over the whole input (Expand)", [GraphBuilder.Dynamic, 3, 4, 4], [4, 4], 4, [0, 0, 0, 0]),
        ];
        foreach (var (label, x, kernel, stride, pads) in averagePools)
        {
            foreach (bool countIncludePad in new[] { false, true })
            {
                if (pads.All(p => p == 0) && countIncludePad)
                    continue;
                AddFloat($"AveragePool {label} count_include_pad {(countIncludePad ? 1 : 0)} X {Dims(x)}",
                    (g, v) => g.AveragePool(v[0], kernel, [stride, stride], pads, countIncludePad), new GradientInput("x", x));
            }
        }

        foreach (var x in new long[][] { [2, 3, 5, 5], [GraphBuilder.Dynamic, 3, 4, 6], [2, 3, 7] })
            AddFloat($"GlobalAveragePool X {Dims(x)}", (g, v) => g.GlobalAveragePool(v[0]), new GradientInput("x", x));

        foreach (long axis in new long[] { 0, 1, 2, -1, 4 })
            Add($"Flatten [2,3,4,5] axis {axis}", (g, v) => g.Flatten(v[0], axis), new GradientInput("x", [2, 3, 4, 5]));
        Add("Flatten [N,3,2,2] axis 1", (g, v) => g.Flatten(v[0]), new GradientInput("x", [GraphBuilder.Dynamic, 3, 2, 2]));

        Add("Concat axis 1 [2,3,4] [2,1,4] [2,2,4]", (g, v) => g.Concat(1, v[0], v[1], v[2]),
            new("a", [2, 3, 4]), new("b", [2, 1, 4]), new("c", [2, 2, 4]));
        Add("Concat axis 0 [2,3] [1,3]", (g, v) => g.Concat(0, v[0], v[1]), new("a", [2, 3]), new("b", [1, 3]));
        Add("Concat axis -1 [N,2,3] [N,2,1]", (g, v) => g.Concat(-1, v[0], v[1]), new("a", [GraphBuilder.Dynamic, 2, 3]), new("b", [GraphBuilder.Dynamic, 2, 1]));
        Add("Concat axis 1 of an input with itself [2,3]", (g, v) => g.Concat(1, v[0], g.Neg(v[0]), v[0]), new GradientInput("a", [2, 3]));

        // Composites. In float64: the ops that have float64 kernels, with the nonlinear Relu and MaxPool. In float32: a
        // ResNet-like stem-to-head chain that is affine in each input (frozen statistics as constants), so exact.
        Add("Composite BatchNormalization-Relu-MaxPool-Flatten-Concat-Gemm",
            (g, v) =>
            {
                var pooled = g.MaxPool(g.Relu(g.BatchNormalization(v[0], v[1], v[2], Constant(g, "mean", [0.1, -0.2, 0.05]), Constant(g, "var", [0.8, 1.3, 0.6]))),
                    [3, 3], [2, 2], [1, 1, 1, 1]);
                return g.Gemm(g.Concat(1, g.Flatten(pooled), v[3]), v[4], transB: true);
            },
            new("x", [2, 3, 5, 5], ValueRange.Distinct), new("scale", [3], ValueRange.AwayFromZero), new("bias", [3]), new("extra", [2, 2]),
            new("w", [4, 3 * 3 * 3 + 2]));
        AddFloat("Composite Conv-BatchNormalization-AveragePool-Conv-GlobalAveragePool-Flatten-Gemm",
            (g, v) =>
            {
                var stem = g.BatchNormalization(g.Conv(v[0], v[1], null, [2, 2], [3, 3, 3, 3]), v[2], v[3],
                    Constant(g, "mean", [0.1, -0.2, 0.05, 0.3]), Constant(g, "var", [0.8, 1.3, 0.6, 1.1]));
                var block = g.Conv(g.AveragePool(stem, [3, 3], [2, 2], [1, 1, 1, 1]), v[4], v[5], [1, 1], [1, 1, 1, 1]);
                return g.Gemm(g.Flatten(g.GlobalAveragePool(block)), v[6], transB: true);
            },
            new("x", [2, 3, 9, 9]), new("w1", [4, 3, 7, 7]), new("scale", [4]), new("bias", [4]), new("w2", [5, 4, 3, 3]), new("b2", [5]),
            new("w3", [3, 5]));
    }

    private static string Constant(GraphBuilder g, string hint, double[] values) => g.AddInitializer(hint, values, [values.Length]);
}

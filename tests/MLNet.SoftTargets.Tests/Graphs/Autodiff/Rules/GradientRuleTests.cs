using MLNet.SoftTargets.Graphs;
using MLNet.SoftTargets.Graphs.Autodiff;

namespace MLNet.SoftTargets.Tests.Graphs.Autodiff.Rules;

/// <summary>
/// A finite-difference check of every gradient rule (<see cref="GradientRules.OpTypes"/>), in float64 on ONNX Runtime's
/// CPU provider, with the broadcasting, axis, keepdims and transpose variants the rules branch on.
/// <see cref="EveryGradientRule_HasAFiniteDifferenceCase"/> fails when a rule is added without a case here.
/// The convolutional-network cases are in GradientRuleTests.Convolution.cs.
/// </summary>
[TestClass]
public sealed partial class GradientRuleTests
{
    /// <summary>
    /// One checked forward graph. <paramref name="CheckType"/> is Float for ops that ONNX Runtime's CPU provider has no
    /// float64 kernel for (Conv, ConvTranspose, AveragePool, GlobalAveragePool): those cases are checked in float32
    /// (<see cref="CheckTolerance.Float"/>) and have no float64 graph to compare with.
    /// </summary>
    private sealed record GradientCase(GradientInput[] Inputs, Func<GraphBuilder, string[], string> Forward,
        Onnx.TensorProto.Types.DataType CheckType = Onnx.TensorProto.Types.DataType.Double);

    private static readonly Dictionary<string, GradientCase> Cases = BuildCases();

    public static IEnumerable<object[]> CaseNames => Cases.Keys.Select(name => new object[] { name });

    /// <summary>The cases with a float64 graph.</summary>
    public static IEnumerable<object[]> DoubleCaseNames =>
        Cases.Where(c => c.Value.CheckType == Onnx.TensorProto.Types.DataType.Double).Select(c => new object[] { c.Key });

    [TestMethod]
    [DynamicData(nameof(CaseNames))]
    public void Gradient_MatchesCentralDifferences(string caseName)
    {
        var c = Cases[caseName];
        GradientCheck.Verify(caseName, c.Inputs, c.Forward, c.CheckType);
    }

    /// <summary>
    /// Training builds the same graphs in float: every case must build and run there too (ONNX Runtime has float kernels
    /// and fusions that double lacks), and give the float64 gradients to float precision.
    /// </summary>
    [TestMethod]
    [DynamicData(nameof(DoubleCaseNames))]
    public void FloatGraph_GivesTheDoubleGradients(string caseName)
    {
        var c = Cases[caseName];
        var wrt = c.Inputs.Select(i => i.Name).ToArray();
        string[] outputs = [GradientCheck.Loss, .. wrt.Select(GradientCheck.GradientOutput)];
        var doubleGraph = GradientCheck.Build(c.Inputs, c.Forward);
        var floatGraph = GradientCheck.Build(c.Inputs, c.Forward, Onnx.TensorProto.Types.DataType.Float);
        // Inputs exactly representable in float, so both graphs see the same values.
        var feeds = GradientCheck.RandomFeeds(doubleGraph, c.Inputs, GradientCheck.StableSeed(caseName))
            .ToDictionary(kv => kv.Key, kv => kv.Value with { Data = Array.ConvertAll(kv.Value.Data, d => (double)(float)d) });

        IReadOnlyDictionary<string, TestTensor> expected, actual;
        using (var runner = new OnnxTestRunner(doubleGraph.ToModel()))
            expected = runner.Run(feeds, outputs);
        using (var runner = new OnnxTestRunner(floatGraph.ToModel()))
            actual = runner.Run(feeds, outputs);

        foreach (var output in outputs)
        {
            CollectionAssert.AreEqual(expected[output].Shape, actual[output].Shape, $"{caseName}: shape of '{output}'");
            for (int j = 0; j < expected[output].Data.Length; j++)
            {
                double e = expected[output].Data[j];
                Assert.AreEqual(e, actual[output].Data[j], 1e-5 + 1e-4 * Math.Abs(e),
                    $"{caseName}: '{output}'[{GradientCheck.Index(j, expected[output].Shape)}] in float");
            }
        }
    }

    /// <summary>ONNX Runtime's graph rewrites (fusions, constant folding) must not change the gradients.</summary>
    [TestMethod]
    [DataRow("Composite Gemm-Relu-Gemm-LogSoftmax-ReduceMean")]
    [DataRow("Composite L2 normalise rows")]
    [DataRow("Composite Transpose-Reshape-MatMul-Sigmoid-Tanh")]
    [DataRow("Gemm transA 1 transB 1 alpha 0.7 beta 1.3 C [5]")]
    [DataRow("Composite BatchNormalization-Relu-MaxPool-Flatten-Concat-Gemm")]
    public void Gradients_AreTheSameWithAndWithoutGraphOptimizations(string caseName)
    {
        var c = Cases[caseName];
        var wrt = c.Inputs.Select(i => i.Name).ToArray();
        string[] outputs = [GradientCheck.Loss, .. wrt.Select(GradientCheck.GradientOutput)];
        var g = GradientCheck.Build(c.Inputs, c.Forward);
        var feeds = GradientCheck.RandomFeeds(g, c.Inputs, GradientCheck.StableSeed(caseName));
        var model = g.ToBytes();

        IReadOnlyDictionary<string, TestTensor> plain, optimized;
        using (var runner = new OnnxTestRunner(model, Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_DISABLE_ALL))
            plain = runner.Run(feeds, outputs);
        using (var runner = new OnnxTestRunner(model, Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_ALL))
            optimized = runner.Run(feeds, outputs);

        foreach (var output in outputs)
        {
            for (int j = 0; j < plain[output].Data.Length; j++)
                Assert.AreEqual(plain[output].Data[j], optimized[output].Data[j], 1e-12 * (1 + Math.Abs(plain[output].Data[j])), $"{caseName}: '{output}'[{j}]");
        }
    }

    [TestMethod]
    public void EveryGradientRule_HasAFiniteDifferenceCase()
    {
        var covered = new HashSet<string>();
        foreach (var c in Cases.Values)
        {
            var g = new GraphBuilder(c.CheckType);
            c.Forward(g, c.Inputs.Select(i => g.AddInput(i.Name, i.Shape)).ToArray());
            covered.UnionWith(g.Nodes.Select(n => n.OpType));
        }
        var missing = GradientRules.OpTypes.Where(op => !covered.Contains(op)).Order().ToArray();
        Assert.IsEmpty(missing, $"Gradient rules without a finite-difference case: {string.Join(", ", missing)}");
    }

    private static Dictionary<string, GradientCase> BuildCases()
    {
        var cases = new Dictionary<string, GradientCase>();
        void Add(string name, Func<GraphBuilder, string[], string> forward, params GradientInput[] inputs) =>
            cases.Add(name, new GradientCase(inputs, forward));
        static string Dims(long[] shape) => $"[{string.Join(",", shape)}]";

        // Binary element-wise ops, with each operand broadcast in turn (the rules reduce over broadcast axes).
        long[][][] broadcasts =
        [
            [[3, 4], [3, 4]],
            [[3, 4], [4]],
            [[3, 4], [1, 4]],
            [[3, 4], [3, 1]],
            [[3, 4], []],
            [[4], [3, 4]],
            [[3, 1], [1, 4]],
            [[2, 1, 4], [3, 1]],
        ];
        (string Op, Func<GraphBuilder, string, string, string> Apply)[] binaries =
        [
            ("Add", Ops.Add),
            ("Sub", Ops.Sub),
            ("Mul", Ops.Mul),
            ("Div", Ops.Div),
        ];
        foreach (var (op, apply) in binaries)
        {
            foreach (var shapes in broadcasts)
            {
                var divisor = op == "Div" ? ValueRange.Positive : ValueRange.Signed;
                Add($"{op} {Dims(shapes[0])} {Dims(shapes[1])}", (g, x) => apply(g, x[0], x[1]),
                    new("a", shapes[0]), new("b", shapes[1], divisor));
            }
        }

        // Unary element-wise ops.
        (string Op, Func<GraphBuilder, string, string> Apply, ValueRange Range)[] unaries =
        [
            ("Neg", Ops.Neg, ValueRange.Signed),
            ("Identity", Ops.Identity, ValueRange.Signed),
            ("Relu", Ops.Relu, ValueRange.AwayFromZero),
            ("Tanh", Ops.Tanh, ValueRange.Signed),
            ("Sigmoid", Ops.Sigmoid, ValueRange.Signed),
            ("Exp", Ops.Exp, ValueRange.Signed),
            ("Log", Ops.Log, ValueRange.Positive),
            ("Sqrt", Ops.Sqrt, ValueRange.Positive),
        ];
        foreach (var (op, apply, range) in unaries)
            Add($"{op} [3,4]", (g, x) => apply(g, x[0]), new GradientInput("x", [3, 4], range));

        // Softmax and LogSoftmax along the last, the first and a middle axis.
        (long[] Shape, long Axis)[] softmaxAxes = [([3, 4], -1), ([3, 4], 0), ([3, 4], 1), ([2, 3, 4], 1), ([2, 3, 4], -3)];
        foreach (var (shape, axis) in softmaxAxes)
        {
            Add($"Softmax {Dims(shape)} axis {axis}", (g, x) => g.Softmax(x[0], axis), new GradientInput("x", shape));
            Add($"LogSoftmax {Dims(shape)} axis {axis}", (g, x) => g.LogSoftmax(x[0], axis), new GradientInput("x", shape));
        }

        // Reductions: single, several and negative axes, all axes, with and without keepdims.
        long[][] reduceAxes = [[1], [-1], [0, 2], [0, 1, 2], [-3, 1], []];
        foreach (var axes in reduceAxes)
        {
            foreach (bool keepDims in new[] { false, true })
            {
                string variant = $"[2,3,4] axes {Dims(axes)} keepdims {(keepDims ? 1 : 0)}";
                Add($"ReduceSum {variant}", (g, x) => g.ReduceSum(x[0], axes, keepDims), new GradientInput("x", [2, 3, 4]));
                Add($"ReduceMean {variant}", (g, x) => g.ReduceMean(x[0], axes, keepDims), new GradientInput("x", [2, 3, 4]));
            }
        }

        // Reshape to explicit shapes, with -1 inferred and 0 copied from the input.
        long[][] reshapes = [[6, 4], [-1, 4], [0, -1], [-1], [4, 0, 2], [2, 3, 2, 2]];
        foreach (var target in reshapes)
            Add($"Reshape [2,3,4] to {Dims(target)}", (g, x) => g.Reshape(x[0], target), new GradientInput("x", [2, 3, 4]));

        // Transpose with explicit 3-D permutations and the default (reversed) one.
        long[][] perms = [[2, 0, 1], [1, 2, 0], [0, 2, 1], [1, 0, 2]];
        foreach (var perm in perms)
            Add($"Transpose [2,3,4] perm {Dims(perm)}", (g, x) => g.Transpose(x[0], perm), new GradientInput("x", [2, 3, 4]));
        Add("Transpose [2,3,4] default perm", (g, x) => g.Node("Transpose", [x[0]], [4, 3, 2]), new GradientInput("x", [2, 3, 4]));

        Add("MatMul [3,4] [4,5]", (g, x) => g.MatMul(x[0], x[1]), new("a", [3, 4]), new("b", [4, 5]));
        Add("MatMul batched [2,3,4] [2,4,5]", (g, x) => g.MatMul(x[0], x[1]), new("a", [2, 3, 4]), new("b", [2, 4, 5]));
        Add("MatMul broadcast [3,4] [2,4,5]", (g, x) => g.MatMul(x[0], x[1]), new("a", [3, 4]), new("b", [2, 4, 5]));
        // FusedMatMul has a float kernel only (in a double graph MatMulT is Transpose + MatMul).
        cases.Add("FusedMatMul [2,4,3]ᵀ [5,4]ᵀ", new GradientCase([new("a", [2, 4, 3]), new("b", [5, 4])],
            (g, x) => g.MatMulT(x[0], x[1], transA: true, transB: true), Onnx.TensorProto.Types.DataType.Float));

        // Gemm: every transA/transB combination, alpha and beta ≠ 1, C absent or broadcast in several ways.
        const long m = 3, k = 4, n = 5;
        long[]?[] cShapes = [null, [n], [m, n], [1, n], [m, 1], []];
        foreach (bool transA in new[] { false, true })
        {
            foreach (bool transB in new[] { false, true })
            {
                long[] aShape = transA ? [k, m] : [m, k];
                long[] bShape = transB ? [n, k] : [k, n];
                foreach (var cShape in cShapes)
                {
                    string name = $"Gemm transA {(transA ? 1 : 0)} transB {(transB ? 1 : 0)} alpha 0.7 beta 1.3 C {(cShape is null ? "none" : Dims(cShape))}";
                    GradientInput[] inputs = cShape is null
                        ? [new("a", aShape), new("b", bShape)]
                        : [new("a", aShape), new("b", bShape), new("c", cShape)];
                    Add(name, (g, x) => g.Gemm(x[0], x[1], cShape is null ? null : x[2], transA, transB, alpha: 0.7f, beta: 1.3f), inputs);
                }
            }
        }
        Add("Gemm defaults C [5]", (g, x) => g.Gemm(x[0], x[1], x[2]), new("a", [m, k]), new("b", [k, n]), new("c", [n]));

        // Composites: a two-layer network and the L2 normalisation of a cosine head, which chain several rules.
        Add("Composite Gemm-Relu-Gemm-LogSoftmax-ReduceMean",
            (g, x) => g.ReduceMean(g.LogSoftmax(g.Gemm(g.Relu(g.Gemm(x[0], x[1], x[2])), x[3], x[4], transB: true)), [1], keepDims: false),
            new("x", [3, 4]), new("w1", [4, 5]), new("b1", [5]), new("w2", [2, 5]), new("b2", [2]));
        Add("Composite L2 normalise rows",
            (g, x) => g.Div(x[0], g.Sqrt(g.ReduceSum(g.Mul(x[0], x[0]), [-1], keepDims: true))),
            new GradientInput("x", [3, 4], ValueRange.AwayFromZero));
        Add("Composite Transpose-Reshape-MatMul-Sigmoid-Tanh",
            (g, x) => g.Tanh(g.Sigmoid(g.MatMul(g.Reshape(g.Transpose(x[0], [1, 0, 2]), [3, -1]), x[1]))),
            new("x", [2, 3, 2]), new("w", [4, 2]));

        AddConvolutionCases(cases);
        return cases;
    }
}

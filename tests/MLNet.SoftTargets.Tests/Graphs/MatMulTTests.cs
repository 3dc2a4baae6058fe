using MLNet.SoftTargets.Graphs;
using Onnx;

namespace MLNet.SoftTargets.Tests.Graphs;

/// <summary>
/// <see cref="Ops.MatMulT"/>: in a float graph ONNX Runtime's FusedMatMul (its gradient rule), otherwise Transpose + MatMul
/// (MatMul's batched and broadcast gradient); every transpose combination, batched and broadcast operands, against central
/// differences, and the fused node against the plain form's values.
/// </summary>
[TestClass]
public sealed class MatMulTTests
{
    /// <summary>A's and B's shapes (before the optional transposes), transA, transB.</summary>
    public static IEnumerable<object[]> Products =>
    [
        [new long[] { 3, 4 }, new long[] { 4, 5 }, false, false],
        [new long[] { 4, 3 }, new long[] { 4, 5 }, true, false],
        [new long[] { 2, 3, 4 }, new long[] { 2, 5, 4 }, false, true],
        [new long[] { 2, 4, 3 }, new long[] { 2, 5, 4 }, true, true],
        [new long[] { 3, 4 }, new long[] { 2, 5, 4 }, false, true],    // 2-D A broadcast over B's batch
        [new long[] { 2, 4, 3 }, new long[] { 4, 5 }, true, false],    // 2-D B broadcast over A's batch
        [new long[] { 2, 3, 4 }, new long[] { 5, 4 }, false, true],
    ];

    private static string Label(long[] a, long[] b, bool transA, bool transB) =>
        $"A [{string.Join(",", a)}]{(transA ? "ᵀ" : "")} B [{string.Join(",", b)}]{(transB ? "ᵀ" : "")}";

    [TestMethod]
    [DynamicData(nameof(Products))]
    public void MatMulT_Double_MatchesCentralDifferences(long[] a, long[] b, bool transA, bool transB) =>
        GradientCheck.Verify("matmulT double " + Label(a, b, transA, transB), [new("a", a), new("b", b)],
            (g, v) => g.MatMulT(v[0], v[1], transA, transB));

    [TestMethod]
    [DynamicData(nameof(Products))]
    public void MatMulT_FusedFloat_MatchesCentralDifferences(long[] a, long[] b, bool transA, bool transB)
    {
        string label = "matmulT fused " + Label(a, b, transA, transB);
        var g = GradientCheck.Build([new("a", a), new("b", b)], (g, v) => g.MatMulT(v[0], v[1], transA, transB), TensorProto.Types.DataType.Float);
        var nodes = g.ToModel().Graph.Node;
        Assert.IsTrue(nodes.Any(n => n.OpType == "FusedMatMul" && n.Domain == "com.microsoft"), $"{label}: no FusedMatMul");
        Assert.IsFalse(nodes.Any(n => n.OpType == "Transpose"), $"{label}: a Transpose in the fused form");
        GradientCheck.Verify("matmulT fused " + Label(a, b, transA, transB), [new("a", a), new("b", b)],
            (g, v) => g.MatMulT(v[0], v[1], transA, transB), TensorProto.Types.DataType.Float);
    }
}

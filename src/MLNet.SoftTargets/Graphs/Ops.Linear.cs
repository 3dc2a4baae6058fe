namespace MLNet.SoftTargets.Graphs;

internal static partial class Ops
{
    /// <summary>
    /// Matrix product <c>[m,k]·[k,n]</c>, or a batch of them: <c>[p,m,k]·[p,k,n]</c> (the same static batch size p), or a
    /// 2-D operand broadcast over the other's batch (<c>[m,k]·[p,k,n]</c>, <c>[p,m,k]·[k,n]</c>).
    /// </summary>
    public static string MatMul(this GraphBuilder g, string a, string b) => g.Node("MatMul", [a, b], ProductShape(g, a, b, false, false, "MatMul"));

    /// <summary>
    /// <c>op(A)·op(B)</c> with op the optional transpose of the last two axes, shapes as <see cref="MatMul"/>. In a float
    /// graph one <c>com.microsoft</c> FusedMatMul (ONNX Runtime's MatMul with transpose flags: no copy); otherwise (its
    /// CPU kernel is float only) Transpose nodes and a MatMul, the same values.
    /// </summary>
    public static string MatMulT(this GraphBuilder g, string a, string b, bool transA = false, bool transB = false)
    {
        var shape = ProductShape(g, a, b, transA, transB, "MatMulT");
        if (g.ElementType == Onnx.TensorProto.Types.DataType.Float)
            return g.DomainNode("com.microsoft", 1, "FusedMatMul", [a, b], shape,
                Attr.Int("transA", transA ? 1 : 0), Attr.Int("transB", transB ? 1 : 0), Attr.Float("alpha", 1f));
        return g.MatMul(transA ? g.TransposeLastTwo(a) : a, transB ? g.TransposeLastTwo(b) : b);
    }

    /// <summary>Swaps the last two axes.</summary>
    public static string TransposeLastTwo(this GraphBuilder g, string x)
    {
        int rank = g.Rank(x);
        var perm = Enumerable.Range(0, rank).Select(i => (long)i).ToArray();
        (perm[rank - 2], perm[rank - 1]) = (perm[rank - 1], perm[rank - 2]);
        return g.Transpose(x, perm);
    }

    private static long[] ProductShape(GraphBuilder g, string a, string b, bool transA, bool transB, string op)
    {
        var sa = g.Shape(a);
        var sb = g.Shape(b);
        bool ok = (sa.Length, sb.Length) switch
        {
            (2, 2) or (2, 3) or (3, 2) => true,
            (3, 3) => sa[0] >= 0 && sa[0] == sb[0],
            _ => false,
        };
        if (!ok)
            throw new NotSupportedException($"{op} is supported for 2-D operands, 3-D ones with the same static batch, or one 2-D operand broadcast over the other's batch; got [{string.Join(",", sa)}]·[{string.Join(",", sb)}].");
        long rows = transA ? sa[^1] : sa[^2];
        long cols = transB ? sb[^2] : sb[^1];
        return sa.Length == 3 ? [sa[0], rows, cols] : sb.Length == 3 ? [sb[0], rows, cols] : [rows, cols];
    }

    /// <summary>
    /// <c>Y = alpha·op(A)·op(B) + beta·C</c> with <c>op</c> the optional transpose; <paramref name="c"/> may be null.
    /// </summary>
    public static string Gemm(this GraphBuilder g, string a, string b, string? c = null, bool transA = false, bool transB = false, float alpha = 1f, float beta = 1f)
    {
        var sa = g.Shape(a);
        var sb = g.Shape(b);
        long m = transA ? sa[1] : sa[0];
        long n = transB ? sb[0] : sb[1];
        var inputs = c is null ? new[] { a, b } : [a, b, c];
        return g.Node("Gemm", inputs, [m, n],
            Attr.Int("transA", transA ? 1 : 0), Attr.Int("transB", transB ? 1 : 0), Attr.Float("alpha", alpha), Attr.Float("beta", beta));
    }
}

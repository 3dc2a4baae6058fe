namespace MLNet.SoftTargets.Graphs;

internal static partial class Ops
{
    /// <summary>2-D matrix product <c>[m,k]·[k,n]</c>.</summary>
    public static string MatMul(this GraphBuilder g, string a, string b)
    {
        var sa = g.Shape(a);
        var sb = g.Shape(b);
        if (sa.Length != 2 || sb.Length != 2)
            throw new NotSupportedException("MatMul is supported for 2-D operands.");
        return g.Node("MatMul", [a, b], [sa[0], sb[1]]);
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

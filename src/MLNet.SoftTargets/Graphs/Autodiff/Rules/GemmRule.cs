namespace MLNet.SoftTargets.Graphs.Autodiff.Rules;

/// <summary>
/// Y = α·op(A)·op(B) + β·C. With op the optional transpose:
/// dA = α·dY·op(B)ᵀ (or its transpose when transA), dB = α·op(A)ᵀ·dY (or its transpose when transB),
/// dC = β·dY summed over C's broadcast axes. Each product is one Gemm with transpose flags.
/// </summary>
internal sealed class GemmRule : IGradientRule
{
    public string OpType => "Gemm";

    public void Backward(GradientContext c)
    {
        var g = c.Builder;
        var dy = c.OutputGradient()!;
        var a = c.Input(0);
        var b = c.Input(1);
        bool transA = Attr.GetInt(c.Node, "transA", 0) == 1;
        bool transB = Attr.GetInt(c.Node, "transB", 0) == 1;
        float alpha = Attr.GetFloat(c.Node, "alpha", 1f);
        float beta = Attr.GetFloat(c.Node, "beta", 1f);

        if (c.NeedsGradient(0))
        {
            // op(A) = dY·op(B)ᵀ; A = op(A) or op(A)ᵀ = op(B)·dYᵀ.
            var da = transA
                ? g.Gemm(b, dy, transA: transB, transB: true, alpha: alpha)
                : g.Gemm(dy, b, transB: !transB, alpha: alpha);
            c.AddGradient(0, da);
        }
        if (c.NeedsGradient(1))
        {
            // op(B) = op(A)ᵀ·dY; B = op(B) or op(B)ᵀ = dYᵀ·op(A).
            var db = transB
                ? g.Gemm(dy, a, transA: true, transB: transA, alpha: alpha)
                : g.Gemm(a, dy, transA: !transA, alpha: alpha);
            c.AddGradient(1, db);
        }
        if (c.InputCount > 2 && c.NeedsGradient(2))
        {
            var dc = beta == 1f ? dy : g.Mul(dy, g.Scalar(beta));
            c.AddGradient(2, c.Unbroadcast(dc, c.Input(2)));
        }
    }
}

namespace MLNet.SoftTargets.Graphs.Autodiff.Rules;

/// <summary>
/// Y = A·B. 2-D: dA = dY·Bᵀ, dB = Aᵀ·dY, as Gemm with transpose flags (no explicit Transpose nodes). Batched or
/// broadcast (see <see cref="Ops.MatMul"/>): the same per product (<see cref="FusedMatMulRule.Backward(GradientContext, bool, bool, float)"/>).
/// </summary>
internal sealed class MatMulRule : IGradientRule
{
    public string OpType => "MatMul";

    public void Backward(GradientContext c)
    {
        var g = c.Builder;
        if (g.Rank(c.Input(0)) != 2 || g.Rank(c.Input(1)) != 2)
        {
            FusedMatMulRule.Backward(c, transA: false, transB: false);
            return;
        }
        var dy = c.OutputGradient()!;
        if (c.NeedsGradient(0))
            c.AddGradient(0, g.Gemm(dy, c.Input(1), transB: true));
        if (c.NeedsGradient(1))
            c.AddGradient(1, g.Gemm(c.Input(0), dy, transA: true));
    }
}

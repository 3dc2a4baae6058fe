namespace MLNet.SoftTargets.Graphs.Autodiff.Rules;

/// <summary>Y = A·B (2-D): dA = dY·Bᵀ, dB = Aᵀ·dY, as Gemm with transpose flags (no explicit Transpose nodes).</summary>
internal sealed class MatMulRule : IGradientRule
{
    public string OpType => "MatMul";

    public void Backward(GradientContext c)
    {
        var g = c.Builder;
        var dy = c.OutputGradient()!;
        if (g.Rank(c.Input(0)) != 2 || g.Rank(c.Input(1)) != 2)
            throw new NotSupportedException("The MatMul gradient is implemented for 2-D operands.");
        if (c.NeedsGradient(0))
            c.AddGradient(0, g.Gemm(dy, c.Input(1), transB: true));
        if (c.NeedsGradient(1))
            c.AddGradient(1, g.Gemm(c.Input(0), dy, transA: true));
    }
}

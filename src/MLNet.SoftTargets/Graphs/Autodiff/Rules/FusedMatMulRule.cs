namespace MLNet.SoftTargets.Graphs.Autodiff.Rules;

/// <summary>
/// ONNX Runtime's <c>com.microsoft</c> FusedMatMul, Y = α·op(A)·op(B) (op: the optional transpose of the last two axes;
/// <see cref="Ops.MatMulT"/>). dop(A) = dY·op(B)ᵀ, dop(B) = op(A)ᵀ·dY, so
/// dA = transA ? op(B)·dYᵀ : dY·op(B)ᵀ and dB = transB ? dYᵀ·op(A) : op(A)ᵀ·dY, each one more FusedMatMul with flags;
/// a 2-D operand broadcast over the other's batch gets the sum over the batch.
/// </summary>
internal sealed class FusedMatMulRule : IGradientRule
{
    public string OpType => "FusedMatMul";

    public void Backward(GradientContext c)
    {
        if (Attr.GetInt(c.Node, "transBatchA", 0) != 0 || Attr.GetInt(c.Node, "transBatchB", 0) != 0)
            throw new NotSupportedException("The FusedMatMul gradient is implemented without transBatchA/transBatchB.");
        Backward(c, Attr.GetInt(c.Node, "transA", 0) == 1, Attr.GetInt(c.Node, "transB", 0) == 1, Attr.GetFloat(c.Node, "alpha", 1f));
    }

    /// <summary>The gradients of <c>α·op(A)·op(B)</c> (also MatMul's batched and broadcast forms, α = 1).</summary>
    public static void Backward(GradientContext c, bool transA, bool transB, float alpha = 1f)
    {
        var g = c.Builder;
        var dy = c.OutputGradient()!;
        if (alpha != 1f)
            dy = g.Mul(dy, g.Scalar(alpha));
        var a = c.Input(0);
        var b = c.Input(1);
        if (c.NeedsGradient(0))
        {
            var da = transA ? g.MatMulT(b, dy, transA: transB, transB: true) : g.MatMulT(dy, b, transB: !transB);
            c.AddGradient(0, SumBroadcast(g, da, a));
        }
        if (c.NeedsGradient(1))
        {
            var db = transB ? g.MatMulT(dy, a, transA: true, transB: transA) : g.MatMulT(a, dy, transA: !transA);
            c.AddGradient(1, SumBroadcast(g, db, b));
        }
    }

    // A 2-D operand used by every product of a batch: its gradient is the sum of the per-product ones.
    private static string SumBroadcast(GraphBuilder g, string gradient, string operand) =>
        g.Rank(gradient) == 3 && g.Rank(operand) == 2 ? g.ReduceSum(gradient, [0], keepDims: false) : gradient;
}

namespace MLNet.SoftTargets.Graphs.Autodiff.Rules;

/// <summary>Y = softmax(X) along an axis: dX = Y · (dY - Σ_axis dY·Y).</summary>
internal sealed class SoftmaxRule : IGradientRule
{
    public string OpType => "Softmax";

    public void Backward(GradientContext c)
    {
        var g = c.Builder;
        var y = c.Output();
        var dy = c.OutputGradient()!;
        long axis = Attr.GetInt(c.Node, "axis", -1);
        var dot = g.ReduceSum(g.Mul(dy, y), [axis], keepDims: true);
        c.AddGradient(0, g.Mul(y, g.Sub(dy, dot)));
    }
}

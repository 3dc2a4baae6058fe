namespace MLNet.SoftTargets.Graphs.Autodiff.Rules;

/// <summary>Y = log softmax(X) along an axis: dX = dY - e^Y · Σ_axis dY.</summary>
internal sealed class LogSoftmaxRule : IGradientRule
{
    public string OpType => "LogSoftmax";

    public void Backward(GradientContext c)
    {
        var g = c.Builder;
        var dy = c.OutputGradient()!;
        long axis = Attr.GetInt(c.Node, "axis", -1);
        var total = g.ReduceSum(dy, [axis], keepDims: true);
        c.AddGradient(0, g.Sub(dy, g.Mul(g.Exp(c.Output()), total)));
    }
}

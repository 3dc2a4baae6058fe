namespace MLNet.SoftTargets.Graphs.Autodiff.Rules;

/// <summary>Y = tanh(X): dX = dY · (1 - Y²).</summary>
internal sealed class TanhRule : IGradientRule
{
    public string OpType => "Tanh";

    public void Backward(GradientContext c)
    {
        var g = c.Builder;
        var y = c.Output();
        c.AddGradient(0, g.Mul(c.OutputGradient()!, g.Sub(g.Scalar(1.0), g.Mul(y, y))));
    }
}

namespace MLNet.SoftTargets.Graphs.Autodiff.Rules;

/// <summary>Y = 1 / (1 + e^-X): dX = dY · Y · (1 - Y).</summary>
internal sealed class SigmoidRule : IGradientRule
{
    public string OpType => "Sigmoid";

    public void Backward(GradientContext c)
    {
        var g = c.Builder;
        var y = c.Output();
        c.AddGradient(0, g.Mul(c.OutputGradient()!, g.Mul(y, g.Sub(g.Scalar(1.0), y))));
    }
}

namespace MLNet.SoftTargets.Graphs.Autodiff.Rules;

/// <summary>Y = √X: dX = dY / (2Y). Used by the L2 normalisation of the cosine head.</summary>
internal sealed class SqrtRule : IGradientRule
{
    public string OpType => "Sqrt";

    public void Backward(GradientContext c)
    {
        var g = c.Builder;
        c.AddGradient(0, g.Div(c.OutputGradient()!, g.Mul(c.Output(), g.Scalar(2.0))));
    }
}

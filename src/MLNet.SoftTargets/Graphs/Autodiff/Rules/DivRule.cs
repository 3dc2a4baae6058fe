namespace MLNet.SoftTargets.Graphs.Autodiff.Rules;

/// <summary>Y = A / B: dA = dY / B, dB = -dY · Y / B, each summed over its broadcast axes.</summary>
internal sealed class DivRule : IGradientRule
{
    public string OpType => "Div";

    public void Backward(GradientContext c)
    {
        var g = c.Builder;
        var dy = c.OutputGradient()!;
        if (c.NeedsGradient(0))
            c.AddGradient(0, c.Unbroadcast(g.Div(dy, c.Input(1)), c.Input(0)));
        if (c.NeedsGradient(1))
            c.AddGradient(1, c.Unbroadcast(g.Neg(g.Div(g.Mul(dy, c.Output()), c.Input(1))), c.Input(1)));
    }
}

namespace MLNet.SoftTargets.Graphs.Autodiff.Rules;

/// <summary>Y = A · B (element-wise): dA = dY · B, dB = dY · A, each summed over its broadcast axes.</summary>
internal sealed class MulRule : IGradientRule
{
    public string OpType => "Mul";

    public void Backward(GradientContext c)
    {
        var g = c.Builder;
        var dy = c.OutputGradient()!;
        if (c.NeedsGradient(0))
            c.AddGradient(0, c.Unbroadcast(g.Mul(dy, c.Input(1)), c.Input(0)));
        if (c.NeedsGradient(1))
            c.AddGradient(1, c.Unbroadcast(g.Mul(dy, c.Input(0)), c.Input(1)));
    }
}

namespace MLNet.SoftTargets.Graphs.Autodiff.Rules;

/// <summary>Y = A - B: dA = dY, dB = -dY, each summed over its broadcast axes.</summary>
internal sealed class SubRule : IGradientRule
{
    public string OpType => "Sub";

    public void Backward(GradientContext c)
    {
        var dy = c.OutputGradient()!;
        if (c.NeedsGradient(0))
            c.AddGradient(0, c.Unbroadcast(dy, c.Input(0)));
        if (c.NeedsGradient(1))
            c.AddGradient(1, c.Unbroadcast(c.Builder.Neg(dy), c.Input(1)));
    }
}

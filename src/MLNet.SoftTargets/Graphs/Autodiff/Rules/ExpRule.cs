namespace MLNet.SoftTargets.Graphs.Autodiff.Rules;

/// <summary>Y = e^X: dX = dY · Y.</summary>
internal sealed class ExpRule : IGradientRule
{
    public string OpType => "Exp";

    public void Backward(GradientContext c) => c.AddGradient(0, c.Builder.Mul(c.OutputGradient()!, c.Output()));
}

namespace MLNet.SoftTargets.Graphs.Autodiff.Rules;

/// <summary>Y = -X: dX = -dY.</summary>
internal sealed class NegRule : IGradientRule
{
    public string OpType => "Neg";

    public void Backward(GradientContext c) => c.AddGradient(0, c.Builder.Neg(c.OutputGradient()!));
}

namespace MLNet.SoftTargets.Graphs.Autodiff.Rules;

/// <summary>Y = X: dX = dY.</summary>
internal sealed class IdentityRule : IGradientRule
{
    public string OpType => "Identity";

    public void Backward(GradientContext c) => c.AddGradient(0, c.OutputGradient()!);
}

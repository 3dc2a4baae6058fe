namespace MLNet.SoftTargets.Graphs.Autodiff.Rules;

/// <summary>Y = ln X: dX = dY / X.</summary>
internal sealed class LogRule : IGradientRule
{
    public string OpType => "Log";

    public void Backward(GradientContext c) => c.AddGradient(0, c.Builder.Div(c.OutputGradient()!, c.Input(0)));
}

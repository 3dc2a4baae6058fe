namespace MLNet.SoftTargets.Graphs.Autodiff.Rules;

/// <summary>Y = reshape(X): dX = reshape(dY) to X's run-time shape.</summary>
internal sealed class ReshapeRule : IGradientRule
{
    public string OpType => "Reshape";

    public void Backward(GradientContext c) => c.AddGradient(0, c.Builder.ReshapeLike(c.OutputGradient()!, c.Input(0)));
}

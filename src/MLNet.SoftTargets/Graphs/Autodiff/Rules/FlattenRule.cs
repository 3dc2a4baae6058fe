namespace MLNet.SoftTargets.Graphs.Autodiff.Rules;

/// <summary>Y = flatten(X, axis) to 2-D: dX = Reshape(dY, run-time shape of X).</summary>
internal sealed class FlattenRule : IGradientRule
{
    public string OpType => "Flatten";

    public void Backward(GradientContext c) => c.AddGradient(0, c.Builder.ReshapeLike(c.OutputGradient()!, c.Input(0)));
}

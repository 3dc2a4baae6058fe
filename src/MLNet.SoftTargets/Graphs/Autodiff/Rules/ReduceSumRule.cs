namespace MLNet.SoftTargets.Graphs.Autodiff.Rules;

/// <summary>Y = Σ_axes X: dX = dY broadcast back over the reduced axes.</summary>
internal sealed class ReduceSumRule : IGradientRule
{
    public string OpType => "ReduceSum";

    public void Backward(GradientContext c) =>
        c.AddGradient(0, ReductionGradient.Spread(c, c.OutputGradient()!, ReductionGradient.InputAxes(c)));
}

namespace MLNet.SoftTargets.Graphs.Autodiff.Rules;

/// <summary>Y = mean_axes X: dX = dY broadcast back over the reduced axes, divided by the number of reduced elements.</summary>
internal sealed class ReduceMeanRule : IGradientRule
{
    public string OpType => "ReduceMean";

    public void Backward(GradientContext c)
    {
        var g = c.Builder;
        var spread = ReductionGradient.Spread(c, c.OutputGradient()!, Attr.GetInts(c.Node, "axes") ?? []);
        // Elements per output value = |X| / |Y|, computed at run time so dynamic axes work.
        var count = g.Div(g.SizeOf(c.Input(0)), g.SizeOf(c.Output()));
        c.AddGradient(0, g.Div(spread, count));
    }
}

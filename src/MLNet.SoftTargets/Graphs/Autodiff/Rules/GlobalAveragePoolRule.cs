namespace MLNet.SoftTargets.Graphs.Autodiff.Rules;

/// <summary>
/// Y[n,c] = mean over the spatial axes of X[n,c,…]: dX = Expand(dY / (H·W·…), shape of X), the number of averaged
/// elements |X|/|Y| computed at run time (dynamic sizes work).
/// </summary>
internal sealed class GlobalAveragePoolRule : IGradientRule
{
    public string OpType => "GlobalAveragePool";

    public void Backward(GradientContext c)
    {
        var g = c.Builder;
        var count = g.Div(g.SizeOf(c.Input(0)), g.SizeOf(c.Output()));
        c.AddGradient(0, g.ExpandLike(g.Div(c.OutputGradient()!, count), c.Input(0)));
    }
}

namespace MLNet.SoftTargets.Graphs.Blocks;

/// <summary>
/// Stochastic gradient descent with PyTorch's semantics (dampening 0): <c>g' = g + λ·p</c>;
/// with momentum μ: <c>b = μ·b + g'</c>, step direction <c>d = b</c>, or <c>d = g' + μ·b</c> for Nesterov
/// (Sutskever et al. 2013); <c>p = p - lr·d</c>.
/// </summary>
internal sealed class SgdBlock(double momentum, bool nesterov, double weightDecay) : OptimizerBlock
{
    public override IReadOnlyList<string> StateSuffixes => momentum > 0 ? ["momentum"] : [];

    public override (string Parameter, string[] State) Update(GraphBuilder g, string parameter, string gradient, IReadOnlyList<string> state, string learningRate,
        double learningRateScale = 1)
    {
        var direction = weightDecay > 0 ? g.Add(gradient, g.Mul(parameter, g.Scalar(weightDecay))) : gradient;
        string[] newState = [];
        if (momentum > 0)
        {
            var buffer = g.Add(g.Mul(state[0], g.Scalar(momentum)), direction);
            newState = [buffer];
            direction = nesterov ? g.Add(direction, g.Mul(buffer, g.Scalar(momentum))) : buffer;
        }
        return (g.Sub(parameter, g.Mul(direction, Scaled(g, learningRate, learningRateScale))), newState);
    }
}

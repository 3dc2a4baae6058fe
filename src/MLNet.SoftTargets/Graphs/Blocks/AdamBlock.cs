namespace MLNet.SoftTargets.Graphs.Blocks;

/// <summary>
/// Adam (Kingma &amp; Ba 2015) and AdamW (Loshchilov &amp; Hutter 2019), bias-corrected, as PyTorch computes them:
/// <c>m = β1·m + (1-β1)·g</c>, <c>v = β2·v + (1-β2)·g²</c>,
/// <c>p = p - (lr / (1-β1^t)) · m / (√v / √(1-β2^t) + ε)</c>.
/// Weight decay λ is added to the gradient (<c>g + λ·p</c>, Adam) or decoupled (<c>p = p·(1 - lr·λ)</c> first, AdamW).
/// </summary>
/// <remarks>
/// The update is evaluated as <c>p - lr·(√c2/c1) · m / (√v + ε·√c2)</c> (c1, c2 the bias corrections), the same
/// quantity with the per-step scalars folded together, so each parameter costs the fewest element-wise passes.
/// </remarks>
internal sealed class AdamBlock(double beta1, double beta2, double epsilon, double weightDecay, bool decoupledWeightDecay) : OptimizerBlock
{
    private string? _stepSize;
    private string? _scaledEpsilon;

    public override IReadOnlyList<string> StateSuffixes => ["m", "v"];

    public override void Prepare(GraphBuilder g, string learningRate, string step)
    {
        var one = g.Scalar(1.0);
        var correction1 = g.Sub(one, g.Pow(g.Scalar(beta1), step));
        var correction2 = g.Sub(one, g.Pow(g.Scalar(beta2), step));
        var sqrtCorrection2 = g.Sqrt(correction2);
        _stepSize = g.Div(g.Mul(learningRate, sqrtCorrection2), correction1);
        _scaledEpsilon = g.Mul(g.Scalar(epsilon), sqrtCorrection2);
    }

    public override (string Parameter, string[] State) Update(GraphBuilder g, string parameter, string gradient, IReadOnlyList<string> state, string learningRate,
        double learningRateScale = 1)
    {
        if (_stepSize is null || _scaledEpsilon is null)
            throw new InvalidOperationException("Prepare must be called before Update.");
        var p = parameter;
        if (weightDecay > 0 && decoupledWeightDecay)
            p = g.Mul(p, g.Sub(g.Scalar(1.0), g.Mul(Scaled(g, learningRate, learningRateScale), g.Scalar(weightDecay))));
        else if (weightDecay > 0)
            gradient = g.Add(gradient, g.Mul(parameter, g.Scalar(weightDecay)));

        var m = g.Add(g.Mul(state[0], g.Scalar(beta1)), g.Mul(gradient, g.Scalar(1 - beta1)));
        var v = g.Add(g.Mul(state[1], g.Scalar(beta2)), g.Mul(g.Mul(gradient, gradient), g.Scalar(1 - beta2)));
        var denominator = g.Add(g.Sqrt(v), _scaledEpsilon);
        var updated = g.Sub(p, g.Mul(g.Div(m, denominator), Scaled(g, _stepSize, learningRateScale)));
        return (updated, [m, v]);
    }
}

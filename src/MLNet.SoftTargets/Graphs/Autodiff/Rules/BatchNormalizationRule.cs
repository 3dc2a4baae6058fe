namespace MLNet.SoftTargets.Graphs.Autodiff.Rules;

/// <summary>
/// Batch normalisation in inference form (frozen running statistics, training_mode 0), per channel c on axis 1:
/// Y = scale·x̂ + B with x̂ = (X − mean)·σ⁻¹ and σ⁻¹ = 1/√(var + ε). With Σ over every axis but 1:
/// dX = dY·scale·σ⁻¹ (broadcast per channel), dScale = Σ dY·x̂, dB = Σ dY,
/// dMean = −scale·σ⁻¹·Σ dY, dVar = −½·scale·σ⁻²·Σ dY·x̂. The statistics are usually constants and get no gradient;
/// the last two are emitted only when mean or var depend on a parameter.
/// </summary>
internal sealed class BatchNormalizationRule : IGradientRule
{
    public string OpType => "BatchNormalization";

    public void Backward(GradientContext c)
    {
        var g = c.Builder;
        if (Attr.GetInt(c.Node, "training_mode", 0) != 0 || c.Node.Output.Count(o => o.Length > 0) > 1)
            throw new NotSupportedException($"BatchNormalization '{c.Output()}': only the inference form (training_mode 0, frozen statistics) can be differentiated.");
        var dy = c.OutputGradient()!;
        var x = c.Input(0);
        var scale = c.Input(1);
        var mean = c.Input(3);
        var variance = c.Input(4);
        int rank = g.Rank(x);
        float epsilon = Attr.GetFloat(c.Node, "epsilon", 1e-5f);
        // [C] → [C,1,…,1], which broadcasts against [N,C,H,W,…].
        long[] spatial = Enumerable.Range(1, rank - 2).Select(i => (long)i).ToArray();
        string PerChannel(string v) => spatial.Length == 0 ? v : g.Unsqueeze(v, spatial);
        long[] reduced = [0, .. Enumerable.Range(2, rank - 2).Select(i => (long)i)];

        // ε is the node's float attribute: use the same float value in both element types.
        var inverseStd = g.Div(g.Scalar(1.0, "one"), g.Sqrt(g.Add(variance, g.Scalar(epsilon, "epsilon"))));
        if (c.NeedsGradient(0))
            c.AddGradient(0, g.Mul(dy, PerChannel(g.Mul(scale, inverseStd))));

        string? sumDyXHat = null;
        if (c.NeedsGradient(1) || c.NeedsGradient(4))
        {
            var xHat = g.Mul(g.Sub(x, PerChannel(mean)), PerChannel(inverseStd));
            sumDyXHat = g.ReduceSum(g.Mul(dy, xHat), reduced, keepDims: false);
            c.AddGradient(1, sumDyXHat);
        }

        string? sumDy = null;
        if (c.NeedsGradient(2) || c.NeedsGradient(3))
        {
            sumDy = g.ReduceSum(dy, reduced, keepDims: false);
            c.AddGradient(2, sumDy);
        }

        if (c.NeedsGradient(3))
            c.AddGradient(3, g.Neg(g.Mul(g.Mul(scale, inverseStd), sumDy!)));
        if (c.NeedsGradient(4))
            c.AddGradient(4, g.Mul(g.Mul(g.Scalar(-0.5, "minus_half"), g.Mul(scale, g.Mul(inverseStd, inverseStd))), sumDyXHat!));
    }
}

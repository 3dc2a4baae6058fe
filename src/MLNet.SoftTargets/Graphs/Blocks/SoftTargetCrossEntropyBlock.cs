namespace MLNet.SoftTargets.Graphs.Blocks;

/// <summary>
/// Soft-target cross-entropy (Szegedy et al. 2016; Hinton et al. 2015 with a loss temperature):
/// <c>L = -(1/Σw) Σ_n w_n Σ_k q_nk · log softmax(z_n / T)_k</c>.
/// Rows whose target contains a NaN (the transforms' missing-row marker) get weight 0 and contribute nothing;
/// a batch with no weight left has loss 0. LogSoftmax subtracts the row maximum, so large logits are stable.
/// </summary>
internal static class SoftTargetCrossEntropyBlock
{
    /// <summary>Adds the loss and returns its name (a scalar).</summary>
    /// <param name="g">The graph.</param>
    /// <param name="logits">[N, K] logits.</param>
    /// <param name="targets">[N, K] soft targets (rows may be missing, i.e. contain NaN).</param>
    /// <param name="weights">[N] per-example weights, or null for weight 1.</param>
    /// <param name="temperature">The loss temperature T &gt; 0.</param>
    public static string Build(GraphBuilder g, string logits, string targets, string? weights, double temperature)
    {
        var z = temperature == 1.0 ? logits : g.Mul(logits, g.Scalar(1.0 / temperature));
        var logProbabilities = g.LogSoftmax(z, axis: 1);

        // A row is missing when its target sum is NaN; its NaN entries become 0 so 0·log p stays finite.
        var zero = g.Scalar(0.0);
        var clean = g.Where(g.IsNaN(targets), zero, targets);
        var missing = g.IsNaN(g.ReduceSum(targets, [1], keepDims: false));
        var weight = g.Where(missing, zero, weights ?? g.Scalar(1.0));

        var perRow = g.Neg(g.ReduceSum(g.Mul(clean, logProbabilities), [1], keepDims: false));
        var total = g.ReduceSum(g.Mul(weight, perRow), [], keepDims: false);
        var weightSum = g.Node("Max", [g.ReduceSum(weight, [], keepDims: false), g.Scalar(1e-30)], []);
        return g.Div(total, weightSum);
    }
}

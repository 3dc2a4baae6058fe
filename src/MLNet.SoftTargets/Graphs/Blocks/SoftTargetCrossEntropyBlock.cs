namespace MLNet.SoftTargets.Graphs.Blocks;

/// <summary>
/// Soft-target cross-entropy (Szegedy et al. 2016; Hinton et al. 2015 with a loss temperature):
/// <c>L = -(1/Σw) Σ_n w_n Σ_k q_nk · log softmax(z_n / T)_k</c>.
/// Rows whose target contains a NaN (the transforms' missing-row marker) get weight 0 and contribute nothing;
/// a batch with no weight left has loss 0. LogSoftmax subtracts the row maximum, so large logits are stable.
/// With a distillation term (<see cref="DistillationTerm"/>) each row's loss is
/// <c>(1 − λ)·CE_n + λ·T²·Σ_k p_nk (log p_nk − log softmax(z_n / T)_k)</c>, p_n = softmax(t_n / T) of the teacher's
/// logits t_n: Hinton's KL term, whose gradient λ·T·(softmax(z/T) − p) keeps its size across temperatures.
/// </summary>
internal static class SoftTargetCrossEntropyBlock
{
    /// <summary>Adds the loss and returns its name (a scalar).</summary>
    /// <param name="g">The graph.</param>
    /// <param name="logits">[N, K] logits.</param>
    /// <param name="targets">[N, K] soft targets (rows may be missing, i.e. contain NaN).</param>
    /// <param name="weights">[N] per-example weights, or null for weight 1.</param>
    /// <param name="temperature">The loss temperature T &gt; 0.</param>
    /// <param name="distillation">The teacher's term, or null.</param>
    public static string Build(GraphBuilder g, string logits, string targets, string? weights, double temperature, DistillationTerm? distillation = null)
    {
        var z = temperature == 1.0 ? logits : g.Mul(logits, g.Scalar(1.0 / temperature));
        var logProbabilities = g.LogSoftmax(z, axis: 1);

        // A row is missing when its target sum is NaN; its NaN entries become 0 so 0·log p stays finite.
        var zero = g.Scalar(0.0);
        var clean = g.Where(g.IsNaN(targets), zero, targets);
        var missing = g.IsNaN(g.ReduceSum(targets, [1], keepDims: false));
        var weight = g.Where(missing, zero, weights ?? g.Scalar(1.0));

        var perRow = g.Neg(g.ReduceSum(g.Mul(clean, logProbabilities), [1], keepDims: false));
        if (distillation is { } d)
        {
            double t = d.Temperature;
            var teacherLog = g.LogSoftmax(g.Mul(d.TeacherLogits, g.Scalar(1.0 / t)), axis: 1);
            var studentLog = g.LogSoftmax(g.Mul(logits, g.Scalar(1.0 / t)), axis: 1);
            var kl = g.ReduceSum(g.Mul(g.Exp(teacherLog), g.Sub(teacherLog, studentLog)), [1], keepDims: false);
            perRow = g.Add(g.Mul(perRow, g.Scalar(1 - d.Weight)), g.Mul(kl, g.Scalar(d.Weight * t * t)));
        }
        var total = g.ReduceSum(g.Mul(weight, perRow), [], keepDims: false);
        var weightSum = g.Node("Max", [g.ReduceSum(weight, [], keepDims: false), g.Scalar(1e-30)], []);
        return g.Div(total, weightSum);
    }
}

/// <summary>The teacher's term of the loss: its logits [N, K] (a graph value), the temperature T and the weight λ.</summary>
internal sealed record DistillationTerm(string TeacherLogits, double Temperature, double Weight);

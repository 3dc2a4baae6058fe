namespace MLNet.SoftTargets;

/// <summary>
/// What the trainer's unset options become, from the options and the data: the defaults that converge on 100 rows and
/// on millions. Explicit <c>Epochs</c>, <c>BatchSize</c> and <c>LearningRate</c> keep the fixed-epoch run they always gave
/// (unset companions take the old defaults: 10 epochs, batch 256, learning rate 1e-3, streaming).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>A linear head with none of the three set, on data of at most <see cref="LbfgsMaximumValues"/> feature values
/// (rows × features), trains by full-batch L-BFGS: its objective is convex, a quasi-Newton method reaches the minimum in
/// tens to hundreds of passes whatever the features' scale, and with <c>WeightDecay</c> unset the L2 strength is chosen
/// on held-out rows (<c>Engine/RegularisationPath</c>). Larger data trains by Adam as below: a few dozen epochs of
/// mini-batches reach the same accuracy in a fraction of the passes a full-batch method needs.</item>
/// <item>Otherwise (Adam, AdamW, SGD) with <c>Epochs</c> unset: a budget of <c>AutomaticStepBudget</c> steps (5 to 500
/// epochs), a batch capped by the data (the largest power of two ≤ rows / 32, 16 to 256), learning rate 1e-3, the data
/// cached when its copy fits <c>AutomaticCacheBytes</c>, and a plateau stop: 5 epochs without an improvement of 0.1 % (of the loss, at least 10⁻⁴) in the
/// training loss (not with mixup, whose loss changes with every epoch's draws: it trains the whole budget); with
/// validation data, early stopping on its log-loss with patience 5 (the best epoch is kept).</item>
/// </list>
/// </remarks>
internal sealed record AutomaticSettings(SoftTargetOptimizer Optimizer, int Epochs, int BatchSize, double LearningRate, bool CacheData,
    int? EarlyStoppingPatience, int? PlateauPatience)
{
    public const int AutomaticPatience = 5;
    public const double PlateauTolerance = 1e-3;

    /// <summary>Rows × features up to which an unset optimizer of a linear head is L-BFGS (2^22, e.g. 5,000 rows of 784).</summary>
    public const long LbfgsMaximumValues = 1L << 22;

    /// <param name="o">The trainer's options.</param>
    /// <param name="schema">The training data's columns.</param>
    /// <param name="rowCount">The training rows (null: unknown, as for a stream).</param>
    /// <param name="hasValidation">Whether validation data is given.</param>
    public static AutomaticSettings Resolve(SoftTargetCrossEntropyTrainer.Options o, TrainingSchema schema, long? rowCount, bool hasValidation)
    {
        bool fixedRun = o.Epochs is not null || o.BatchSize is not null || o.LearningRate is not null;
        bool linear = o.HiddenLayerSizes.Count == 0 && o.CosineScale is null && o.Backbone is null && !NeedsBatches(o);
        bool small = rowCount is { } count && count * schema.FeatureCount <= LbfgsMaximumValues;
        var optimizer = o.Optimizer ?? (!fixedRun && linear && small ? SoftTargetOptimizer.Lbfgs : SoftTargetOptimizer.Adam);
        if (o.Epochs is { } epochs)
            return new(optimizer, epochs, o.BatchSize ?? 256, o.LearningRate ?? 1e-3, o.CacheData ?? false, o.EarlyStoppingPatience, null);

        int batch = o.BatchSize ?? AutomaticBatch(rowCount);
        long stepsPerEpoch = rowCount is { } n ? Math.Max(1, (n + batch - 1) / batch) : 1;
        int budget = (int)Math.Clamp((o.AutomaticStepBudget + stepsPerEpoch - 1) / stepsPerEpoch, 5, 500);
        long bytes = rowCount is { } rows ? rows * (schema.FeatureCount + schema.ClassCount + 1L) * sizeof(float) : long.MaxValue;
        bool cache = o.CacheData ?? bytes <= o.AutomaticCacheBytes;
        int? earlyStopping = o.EarlyStoppingPatience ?? (hasValidation ? AutomaticPatience : null);
        // Mixing makes the training loss a random function of each epoch's draws, so it never settles on a plateau the
        // stop could see (measured: digits stopped after 25–47 epochs at −0.035 accuracy); mixup trains the whole budget.
        bool plateauStop = !hasValidation && !MixesBatches(o);
        return new(optimizer, budget, batch, o.LearningRate ?? 1e-3, cache, earlyStopping, plateauStop ? AutomaticPatience : null);
    }

    /// <summary>
    /// Whether the options need mini-batch steps: a teacher with a weight &gt; 0 (it scores each batch) or mixing that can
    /// happen (some α &gt; 0 and a probability &gt; 0). Such a linear head trains by Adam, not full-batch L-BFGS.
    /// </summary>
    public static bool NeedsBatches(SoftTargetCrossEntropyTrainer.Options o) => o.Teacher is { Weight: > 0 } || MixesBatches(o);

    /// <summary>Whether mixing can happen: some α &gt; 0 and a probability &gt; 0.</summary>
    public static bool MixesBatches(SoftTargetCrossEntropyTrainer.Options o) =>
        o.Mixup is { } m && (m.MixupAlpha > 0 || m.CutMixAlpha > 0) && m.Probability > 0;

    /// <summary>
    /// Whether <see cref="Resolve"/> uses the row count: when <c>Epochs</c> is unset (the step budget, the batch cap,
    /// caching and the choice of optimizer all depend on it). A view that does not know its count is then counted.
    /// </summary>
    public static bool NeedsRowCount(SoftTargetCrossEntropyTrainer.Options o) => o.Epochs is null;

    private static int AutomaticBatch(long? rowCount)
    {
        if (rowCount is not { } n)
            return 256;
        int batch = 16;
        while (batch * 2 <= Math.Min(256, n / 32))
            batch *= 2;
        return batch;
    }
}

namespace MLNet.SoftTargets;

/// <summary>
/// What the trainer's unset options become, from the options and the data: the defaults that converge on 100 rows and
/// on millions. Explicit <c>Epochs</c>, <c>BatchSize</c> and <c>LearningRate</c> keep the fixed-epoch run they always gave
/// (unset companions take the old defaults: 10 epochs, batch 256, learning rate 1e-3, streaming).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>A linear head with none of the three set trains by full-batch L-BFGS: its objective is convex, and a
/// quasi-Newton method reaches the minimum in tens of passes whatever the features' scale.</item>
/// <item>Otherwise (Adam, AdamW, SGD) with <c>Epochs</c> unset: a budget of <c>AutomaticStepBudget</c> steps (5 to 500
/// epochs), a batch capped by the data (the largest power of two ≤ rows / 32, 16 to 256), learning rate 1e-3, the data
/// cached when its copy fits <c>AutomaticCacheBytes</c>, and a plateau stop: 5 epochs without an improvement of 0.1 % (of the loss, at least 10⁻⁴) in the
/// training loss; with validation data, early stopping on its log-loss with patience 5 (the best epoch is kept).</item>
/// </list>
/// </remarks>
internal sealed record AutomaticSettings(SoftTargetOptimizer Optimizer, int Epochs, int BatchSize, double LearningRate, bool CacheData,
    int? EarlyStoppingPatience, int? PlateauPatience)
{
    public const int AutomaticPatience = 5;
    public const double PlateauTolerance = 1e-3;

    public static AutomaticSettings Resolve(SoftTargetCrossEntropyTrainer.Options o, TrainingSchema schema, long? rowCount, bool hasValidation)
    {
        bool fixedRun = o.Epochs is not null || o.BatchSize is not null || o.LearningRate is not null;
        bool linear = o.HiddenLayerSizes.Count == 0 && o.CosineScale is null && o.Backbone is null;
        var optimizer = o.Optimizer ?? (!fixedRun && linear ? SoftTargetOptimizer.Lbfgs : SoftTargetOptimizer.Adam);
        if (o.Epochs is { } epochs)
            return new(optimizer, epochs, o.BatchSize ?? 256, o.LearningRate ?? 1e-3, o.CacheData ?? false, o.EarlyStoppingPatience, null);

        int batch = o.BatchSize ?? AutomaticBatch(rowCount);
        long stepsPerEpoch = rowCount is { } n ? Math.Max(1, (n + batch - 1) / batch) : 1;
        int budget = (int)Math.Clamp((o.AutomaticStepBudget + stepsPerEpoch - 1) / stepsPerEpoch, 5, 500);
        long bytes = rowCount is { } rows ? rows * (schema.FeatureCount + schema.ClassCount + 1L) * sizeof(float) : long.MaxValue;
        bool cache = o.CacheData ?? bytes <= o.AutomaticCacheBytes;
        int? earlyStopping = o.EarlyStoppingPatience ?? (hasValidation ? AutomaticPatience : null);
        return new(optimizer, budget, batch, o.LearningRate ?? 1e-3, cache, earlyStopping, hasValidation ? null : AutomaticPatience);
    }

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

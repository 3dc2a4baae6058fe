using MLNet.SoftTargets;

namespace Microsoft.ML;

/// <summary>
/// The soft-target trainer on <c>mlContext.MulticlassClassification.Trainers</c>. In <c>namespace Microsoft.ML</c> so no
/// extra <c>using</c> is needed.
/// </summary>
public static class SoftTargetTrainersCatalog
{
    /// <summary>
    /// A classifier trained with the soft-target cross-entropy on the <paramref name="softTargetColumnName"/> column
    /// (or, when it is null, on the one-hot of the label: plain cross-entropy). A linear head; with the three training
    /// arguments left unset it trains by full-batch L-BFGS to convergence; with any of them set, by Adam for that many
    /// epochs. See <see cref="SoftTargetCrossEntropyTrainer.Options"/> for everything else.
    /// </summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="labelColumnName">The key label column (default <c>Label</c>).</param>
    /// <param name="softTargetColumnName">The soft-target column, <c>Vector&lt;Single, K&gt;</c> (default <c>SoftTarget</c>); null for one-hot targets.</param>
    /// <param name="featureColumnName">The feature column, <c>Vector&lt;Single, D&gt;</c> (default <c>Features</c>).</param>
    /// <param name="epochs">Passes over the data for Adam (default null: full-batch L-BFGS; 10 when another argument is set).</param>
    /// <param name="batchSize">Examples per Adam step (default null: 256).</param>
    /// <param name="learningRate">Adam's learning rate (default null: 1e-3).</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    public static SoftTargetCrossEntropyTrainer SoftTargetCrossEntropy(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label", string? softTargetColumnName = "SoftTarget", string featureColumnName = "Features",
        int? epochs = null, int? batchSize = null, double? learningRate = null)
        => new(new SoftTargetCrossEntropyTrainer.Options
        {
            LabelColumnName = labelColumnName,
            SoftTargetColumnName = softTargetColumnName,
            FeatureColumnName = featureColumnName,
            Epochs = epochs,
            BatchSize = batchSize,
            LearningRate = learningRate,
        });

    /// <summary>The soft-target trainer with every option.</summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="options">The options.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static SoftTargetCrossEntropyTrainer SoftTargetCrossEntropy(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        SoftTargetCrossEntropyTrainer.Options options)
        => new(options);
}

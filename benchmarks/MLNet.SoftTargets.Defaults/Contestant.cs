using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets.DefaultsBenchmark;

/// <summary>What one contestant achieved on one dataset.</summary>
/// <param name="Accuracy">Micro accuracy on the test rows.</param>
/// <param name="TrainingSeconds">The whole <c>Fit</c> of the pipeline, on the cached and filled training view.</param>
/// <param name="StopReason">Ours only: the last <see cref="SoftTargetCrossEntropyModel.History"/> entry's stop reason.</param>
/// <param name="Iterations">Ours only: <see cref="SoftTargetCrossEntropyModel.History"/>'s count (iterations or epochs).</param>
public sealed record ContestResult(double Accuracy, double TrainingSeconds, TrainingStopReason? StopReason, int? Iterations);

/// <summary>
/// One contestant: a trainer with its default arguments at the end of the shared pipeline
/// <c>MapValueToKey("Label")</c> → <c>NormalizeMeanVariance("Features")</c> (→ <c>SmoothLabels(0.1)</c> for the
/// soft-target row).
/// </summary>
/// <param name="Key">Short name, used in the summary.</param>
/// <param name="Name">The name in the report's tables.</param>
/// <param name="SmoothsLabels">Whether <c>SmoothLabels(0.1)</c> comes before the trainer (its <c>SoftTarget</c> column).</param>
/// <param name="TrainerText">The trainer's catalog call, for the report.</param>
/// <param name="Trainer">The trainer, with defaults.</param>
public sealed record Contestant(string Key, string Name, bool SmoothsLabels, string TrainerText, Func<MLContext, IEstimator<ITransformer>> Trainer)
{
    /// <summary>The label smoothing of the soft-target row.</summary>
    public const double Alpha = 0.1;

    /// <summary>Ours with soft targets: the contestant the targets are about.</summary>
    public static Contestant Ours { get; } = new("ours", "ours", true, "SoftTargetCrossEntropy()",
        ml => ml.MulticlassClassification.Trainers.SoftTargetCrossEntropy());

    /// <summary>Ours on hard labels (<c>softTargetColumnName: null</c>), otherwise defaults.</summary>
    public static Contestant OursHardLabels { get; } = new("ours-hard", "ours, hard labels", false, "SoftTargetCrossEntropy(softTargetColumnName: null)",
        ml => ml.MulticlassClassification.Trainers.SoftTargetCrossEntropy(softTargetColumnName: null));

    /// <summary>ML.NET's <c>LbfgsMaximumEntropy()</c>, the reference of the targets.</summary>
    public static Contestant Lbfgs { get; } = new("lbfgs", "L-BFGS", false, "LbfgsMaximumEntropy()",
        ml => ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy());

    /// <summary>ML.NET's <c>SdcaMaximumEntropy()</c>.</summary>
    public static Contestant Sdca { get; } = new("sdca", "SDCA", false, "SdcaMaximumEntropy()",
        ml => ml.MulticlassClassification.Trainers.SdcaMaximumEntropy());

    /// <summary>Every contestant, in the order they run and appear in the tables.</summary>
    public static IReadOnlyList<Contestant> All { get; } = [Ours, OursHardLabels, Lbfgs, Sdca];

    /// <summary>The pipeline as the report describes it.</summary>
    public string PipelineText => "MapValueToKey(\"Label\") → NormalizeMeanVariance(\"Features\") → " +
        (SmoothsLabels ? $"SmoothLabels({Alpha}) → " : "") + TrainerText;

    /// <summary>
    /// Trains on <paramref name="data"/>'s training rows and scores its test rows: the training view is an
    /// <c>ml.Data.Cache</c>, filled by one full pass before the clock starts; the clock takes the pipeline's whole
    /// <c>Fit</c> (the transforms' fitting passes included). <paramref name="seed"/> seeds the <c>MLContext</c>.
    /// </summary>
    public ContestResult Run(BenchmarkDataset data, int seed)
    {
        var ml = new MLContext(seed);
        var schema = SchemaDefinition.Create(typeof(LabelledRow));
        schema[nameof(LabelledRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, data.FeatureCount);
        var train = ml.Data.Cache(ml.Data.LoadFromEnumerable(data.Train, schema));
        Fill(train);
        var pipeline = Pipeline(ml);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        long start = Stopwatch.GetTimestamp();
        var model = pipeline.Fit(train);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;

        var scored = model.Transform(ml.Data.LoadFromEnumerable(data.Test, schema));
        double accuracy = ml.MulticlassClassification.Evaluate(scored).MicroAccuracy;
        var ours = model.OfType<SoftTargetCrossEntropyModel>().LastOrDefault();
        return new ContestResult(accuracy, seconds, ours?.History.LastOrDefault()?.StopReason, ours?.History.Count);
    }

    /// <summary>The estimators in order, nothing fitted: the label to a key, the features standardised, the trainer.</summary>
    private EstimatorChain<ITransformer> Pipeline(MLContext ml)
    {
        var chain = new EstimatorChain<ITransformer>()
            .Append<ITransformer>(ml.Transforms.Conversion.MapValueToKey(nameof(LabelledRow.Label)))
            .Append<ITransformer>(ml.Transforms.NormalizeMeanVariance(nameof(LabelledRow.Features)));
        if (SmoothsLabels)
            chain = chain.Append<ITransformer>(ml.Transforms.SmoothLabels(Alpha));
        return chain.Append(Trainer(ml));
    }

    /// <summary>Reads every row of both columns once, which fills a cache view.</summary>
    private static void Fill(IDataView view)
    {
        using var cursor = view.GetRowCursor(view.Schema);
        var features = cursor.GetGetter<VBuffer<float>>(view.Schema[nameof(LabelledRow.Features)]);
        var label = cursor.GetGetter<ReadOnlyMemory<char>>(view.Schema[nameof(LabelledRow.Label)]);
        VBuffer<float> x = default;
        ReadOnlyMemory<char> y = default;
        while (cursor.MoveNext())
        {
            features(ref x);
            label(ref y);
        }
    }
}

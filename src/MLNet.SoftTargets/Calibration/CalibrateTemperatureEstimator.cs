using Microsoft.ML;

namespace MLNet.SoftTargets;

/// <summary>
/// Temperature scaling as a pipeline step (Guo et al. 2017): <c>Fit</c> finds the T minimising the log-loss of
/// <c>softmax(log p / T)</c> on the data it is given (use held-out data), and the fitted
/// <see cref="TemperatureScalingTransformer"/> rewrites <c>Score</c> with it. Created by
/// <c>mlContext.Transforms.CalibrateTemperature(...)</c>.
/// </summary>
public sealed class CalibrateTemperatureEstimator : ScoreCalibrationEstimator<TemperatureScalingTransformer>
{
    /// <summary>Creates the estimator.</summary>
    /// <exception cref="ArgumentException">A column name is null or empty.</exception>
    public CalibrateTemperatureEstimator(string labelColumnName = "Label", string scoreColumnName = "Score")
        : base(labelColumnName, scoreColumnName)
    {
    }

    /// <summary>Fits the temperature on <paramref name="input"/>'s labelled rows.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type.</exception>
    /// <exception cref="InvalidOperationException">No labelled rows, or a Score row that is not a distribution.</exception>
    public override TemperatureScalingTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var (logProbabilities, labels, k) = CalibrationData.LogProbabilities(input, LabelColumnName, ScoreColumnName, 1e-30);
        double temperature = TemperatureFit.Fit(logProbabilities, labels, k);
        var score = SoftTargetInputColumn.FromSchema(input.Schema, ScoreColumnName, nameof(ScoreColumnName));
        return new TemperatureScalingTransformer(score, temperature);
    }
}

/// <summary>
/// Fitted temperature scaling: rewrites the score column as <c>softmax(log p / T) = p^(1/T) / Σ p^(1/T)</c> — the
/// sharpening kernel of <c>SharpenLabels</c> — which keeps the arg-max (so <c>PredictedLabel</c> stays right).
/// Saves and loads in stock ML.NET like <see cref="SharpenLabelsTransformer"/>.
/// </summary>
public sealed class TemperatureScalingTransformer : SoftTargetTransformerBase
{
    internal TemperatureScalingTransformer(SoftTargetInputColumn score, double temperature)
        : base(score, score.Name, new SharpeningMapping(score.ClassCount, temperature, marksTemperature: true)) => Temperature = temperature;

    /// <summary>The fitted T: above 1 the model was over-confident (scores are softened), below 1 under-confident.</summary>
    public double Temperature { get; }

    /// <summary>
    /// Scores of our own classifier are recomputed as <c>softmax(z / T)</c> in the classifier's pass (one step instead of
    /// sharpening its probabilities); the schema stays this transformer's.
    /// </summary>
    private protected override IDataView? TransformFast(IDataView input)
    {
        bool calibratesTheClassifiersScore = input is Scoring.ScoredDataView { Classifier.Temperature: 1 } view
            && InputColumnName == Graphs.Blocks.InferenceGraph.Score && view.Schema[InputColumnName].Index >= view.Input.Schema.Count;
        if (!calibratesTheClassifiersScore)
            return null;
        var scored = (Scoring.ScoredDataView)input;
        return scored.Classifier.WithTemperature(Temperature).Transform(scored.Input, GetOutputSchema(input.Schema));
    }
}

using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets.Job;

/// <summary>Test-set metrics of one run, before and after temperature scaling, as the library computes them.</summary>
/// <param name="Accuracy">Top-1 accuracy (the first class on ties), which no temperature changes.</param>
/// <param name="Nll">Mean negative log-probability of the true class (natural log).</param>
/// <param name="Ece">Expected calibration error with <see cref="EceBins"/> equal-width bins on the top-1 confidence.</param>
/// <param name="Temperature">The temperature fitted on the held-out rows.</param>
/// <param name="NllAfterScaling">NLL of the test rows after temperature scaling.</param>
/// <param name="EceAfterScaling">ECE of the test rows after temperature scaling.</param>
public sealed record JobMetrics(double Accuracy, double Nll, double Ece, double Temperature, double NllAfterScaling, double EceAfterScaling)
{
    public const int EceBins = 15;

    private const string LabelColumn = "Label";
    private const string ScoreColumn = "Score";

    /// <summary>
    /// The metrics of one contestant's probabilities, the same way for every contestant: the library's
    /// <c>CalibrateTemperature</c> fitted on the held-out rows and applied to the test rows, and its
    /// <c>EvaluateCalibration</c> of the test rows before and after.
    /// </summary>
    /// <param name="ml">The context the views and the estimator are made in.</param>
    /// <param name="holdoutProbabilities">Row-major <c>[rows, 10]</c> probabilities of the held-out rows.</param>
    /// <param name="holdoutLabels">Their classes, 0..9.</param>
    /// <param name="testProbabilities">Row-major <c>[rows, 10]</c> probabilities of the test rows.</param>
    /// <param name="testLabels">Their classes, 0..9.</param>
    /// <exception cref="ArgumentException">A matrix does not have 10 values a label.</exception>
    /// <exception cref="InvalidOperationException">A probability is negative, NaN or infinite (the library's message names the row).</exception>
    public static JobMetrics Evaluate(MLContext ml, float[] holdoutProbabilities, byte[] holdoutLabels, float[] testProbabilities, byte[] testLabels)
    {
        var holdout = View(ml, holdoutProbabilities, holdoutLabels);
        var test = View(ml, testProbabilities, testLabels);
        var scaling = ml.Transforms.CalibrateTemperature(LabelColumn, ScoreColumn).Fit(holdout);
        var before = ml.MulticlassClassification.EvaluateCalibration(test, LabelColumn, ScoreColumn, EceBins);
        var after = ml.MulticlassClassification.EvaluateCalibration(scaling.Transform(test), LabelColumn, ScoreColumn, EceBins);
        return new JobMetrics(before.Accuracy, before.LogLoss, before.ExpectedCalibrationError, scaling.Temperature,
            after.LogLoss, after.ExpectedCalibrationError);
    }

    /// <summary>Probabilities and classes as a view: <c>Label</c> <c>Key&lt;UInt32, 10&gt;</c>, <c>Score</c> <c>Vector&lt;Single, 10&gt;</c>.</summary>
    private static IDataView View(MLContext ml, float[] probabilities, byte[] labels)
    {
        const int k = JobSettings.Classes;
        if (probabilities.Length != labels.Length * k)
            throw new ArgumentException($"expected {labels.Length}×{k} probabilities, got {probabilities.Length}", nameof(probabilities));
        var rows = new ScoredRow[labels.Length];
        for (int r = 0; r < rows.Length; r++)
            rows[r] = new ScoredRow { Label = labels[r], Score = probabilities.AsSpan(r * k, k).ToArray() };
        var definition = SchemaDefinition.Create(typeof(ScoredRow));
        // LoadFromEnumerable reads a key property as 0-based: class c (0..9) becomes key c + 1.
        definition[nameof(ScoredRow.Label)].ColumnType = new KeyDataViewType(typeof(uint), k);
        definition[nameof(ScoredRow.Score)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, k);
        return ml.Data.LoadFromEnumerable(rows, definition);
    }

    private sealed class ScoredRow
    {
        public uint Label { get; set; }

        public float[] Score { get; set; } = [];
    }
}

using Microsoft.ML;

namespace MLNet.SoftTargets.Quickstart;

/// <summary>Collects the metrics of each model on the test rows and prints them as a markdown table.</summary>
internal sealed class ResultsTable(MLContext ml)
{
    private readonly List<(string Name, CalibrationMetrics Metrics, double FeatureNorm, double Seconds)> _rows = [];

    public IReadOnlyList<(string Name, CalibrationMetrics Metrics)> Metrics => _rows.Select(r => (r.Name, r.Metrics)).ToArray();

    public void Add(SoftTargetsModelTraining.Trained model)
    {
        var calibration = ml.MulticlassClassification.EvaluateCalibration(model.ScoredTest);
        var representation = ml.MulticlassClassification.AnalyzeRepresentation(model.ScoredTest);
        _rows.Add((model.Name, calibration, representation.FeatureNorm.Mean, model.Seconds));
    }

    public void Print(TextWriter output)
    {
        output.WriteLine("| model | test accuracy | NLL | ECE (15 bins) | mean feature norm | training s |");
        output.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var (name, m, norm, seconds) in _rows)
            output.WriteLine($"| {name} | {m.Accuracy:F4} | {m.LogLoss:F4} | {m.ExpectedCalibrationError:F4} | {norm:F2} | {seconds:F1} |");
    }
}

using System.Globalization;
using Microsoft.ML;
using MLNet.SoftTargets.Examples;
using MLNet.SoftTargets.Plots;

namespace MLNet.SoftTargets.Quickstart;

/// <summary>
/// The README's first command: trains hard, smoothed (SmoothLabels 0.1) and smoothed + temperature-calibrated models,
/// prints accuracy, NLL, ECE, feature norm and training time, draws their reliability diagrams, saves the calibrated
/// model, reloads it with stock ML.NET and predicts a few test rows through the consumption code.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        if (!CommandLineHost.TryParse(QuickstartOptions.Command(), args, QuickstartOptions.From, out var options, out int exitCode))
            return exitCode;

        QuickstartData data;
        try
        {
            data = options.DataDirectory is { } folder ? QuickstartData.FashionMnist(folder) : QuickstartData.Digits();
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
        int epochs = options.Epochs ?? (options.DataDirectory is null ? 30 : 10);
        Console.WriteLine($"Data: {data.Name}; train {data.Train.Length}, held out {data.Holdout.Length}, test {data.Test.Length} rows; {epochs} epochs");

        var ml = new MLContext(seed: 42);
        var hard = SoftTargetsModelTraining.Train(ml, data, "hard", alpha: null, epochs, Console.WriteLine);
        var smoothed = SoftTargetsModelTraining.Train(ml, data, "smoothed", alpha: 0.1, epochs, Console.WriteLine);
        var (calibrated, temperature) = SoftTargetsModelTraining.Calibrate(ml, data, smoothed, "smoothed + TS");
        Console.WriteLine($"  [smoothed + TS] temperature fitted on the held-out rows: T = {temperature:F3}");

        Console.WriteLine();
        var table = new ResultsTable(ml);
        foreach (var model in new[] { hard, smoothed, calibrated })
            table.Add(model);
        table.Print(Console.Out);

        Directory.CreateDirectory(options.OutputDirectory);
        string diagram = Path.Combine(options.OutputDirectory, "reliability.png");
        CalibrationPlots.SaveReliabilityComparison(table.Metrics, diagram, $"Reliability on the {data.ShortName} test rows");
        string modelPath = Path.Combine(options.OutputDirectory, "model.zip");
        SoftTargetsModelTraining.Save(ml, data, calibrated.Model, modelPath);
        Console.WriteLine();
        Console.WriteLine($"Reliability diagram: {diagram}");
        Console.WriteLine($"Model (smoothed + TS): {modelPath} — reloading it with stock ML.NET:");

        SoftTargetsModelConsumption.Load(modelPath, data.InputSchema());
        foreach (var row in data.Test.Take(options.PredictRows))
        {
            var prediction = SoftTargetsModelConsumption.Predict(row);
            Console.WriteLine($"  true {row.Label,-12} predicted {prediction.PredictedLabel,-12} confidence {prediction.Score.Max():F3}");
        }
        return 0;
    }
}

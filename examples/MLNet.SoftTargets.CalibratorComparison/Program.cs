using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using MLNet.SoftTargets.CalibrationExperiment;
using MLNet.SoftTargets.Datasets;
using MLNet.SoftTargets.Examples;
using MLNet.SoftTargets.Plots;

namespace MLNet.SoftTargets.CalibratorComparison;

/// <summary>
/// Temperature scaling, vector scaling and Dirichlet calibration (ODIR) fitted on the held-out rows of two models — the
/// over-confident wide deep MLP of the calibration experiment and ML.NET's <c>LbfgsMaximumEntropy</c> — and measured on the
/// test rows: accuracy, NLL, Brier, ECE with equal-width and equal-mass bins, classwise ECE.
/// </summary>
public static class Program
{
    private static readonly Option<string> OutOption = CommandLineHost.OutputFolder("where results.md and the PNGs go", "calibrators-output");
    private static readonly Option<int?> EpochsOption = CommandLineHost.OptionalInt("--epochs", "epochs of the deep MLP", 1, 1000, "40 (400 on the digits), 3 with --quick");
    private static readonly Option<bool> QuickOption = CommandLineHost.Flag("--quick", "smoke test: 3 epochs, 5,000 Fashion-MNIST training rows");
    private static readonly FashionMnistOrDigits Source = new();

    public static int Main(string[] args)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        var root = CommandLineHost.Root(
            "Temperature scaling, vector scaling and Dirichlet calibration on an over-confident deep MLP and on ML.NET's LbfgsMaximumEntropy: " +
            "fitted on held-out rows, measured on the test rows (accuracy, NLL, Brier, ECE equal-width and equal-mass, classwise ECE).",
            [Source.Data, Source.Digits, OutOption, EpochsOption, QuickOption], Source.Check);
        if (!CommandLineHost.TryParse(root, args, r => (Data: r.GetValue(Source.Data), Digits: r.GetValue(Source.Digits), Out: r.GetRequiredValue(OutOption),
                Epochs: r.GetValue(EpochsOption), Quick: r.GetValue(QuickOption)), out var a, out int exitCode))
            return exitCode;
        var total = Stopwatch.StartNew();
        string? directory = a.Data ?? (!a.Digits && FashionMnist.FileNames.All(f => File.Exists(Path.Combine(FashionMnist.DefaultDirectory, f))) ? FashionMnist.DefaultDirectory : null);
        var data = directory is null ? ExperimentData.Digits() : ExperimentData.FashionMnistFrom(directory, a.Quick ? 5_000 : ExperimentData.FashionTrainRows);
        int epochs = a.Epochs ?? (a.Quick ? 3 : data.IsSmall ? 400 : 40);
        string output = Path.GetFullPath(a.Out);
        Directory.CreateDirectory(output);

        var ml = new MLContext(seed: 42);
        var key = data.LabelKey(ml, data.View(ml, data.HeldOut));
        var train = ml.Data.Cache(key.Transform(data.View(ml, data.Train)));
        var heldOut = ml.Data.Cache(key.Transform(data.View(ml, data.HeldOut)));
        var test = ml.Data.Cache(key.Transform(data.View(ml, data.Test)));

        Console.WriteLine("# Calibration beyond one temperature: TS, vector scaling, Dirichlet (ODIR)");
        Console.WriteLine();
        Console.WriteLine($"- {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, load average {LoadAverage()}");
        Console.WriteLine($"- data: {data.Description}");
        Console.WriteLine($"- calibrators fitted on the {data.HeldOut.Rows:N0} held-out rows, every number below on the {data.Test.Rows:N0} test rows; ECE and classwise ECE with 15 bins");
        Console.WriteLine("- Dirichlet: CalibrateDirichlet(offDiagonalL2: 1e-3, interceptL2: 1e-3) (the defaults)");
        Console.WriteLine();

        var rows = new List<string>();
        var models = new List<(string Name, Func<ITransformer> Train)>
        {
            ($"deep MLP 784→512→512→10, {epochs} ep (SoftTargetCrossEntropy, hard labels)", () => ml.MulticlassClassification.Trainers.SoftTargetCrossEntropy(new SoftTargetCrossEntropyTrainer.Options
            {
                SoftTargetColumnName = null, HiddenLayerSizes = [512, 512], Epochs = epochs, BatchSize = 256, LearningRate = 1e-3, CacheData = true,
                Device = TrainingDevice.Cpu, Seed = 42,
            }).Fit(train)),
            ("LbfgsMaximumEntropy (ML.NET, defaults)", () => ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy().Fit(train)),
        };
        var table = new List<(string Model, string Method, CalibrationMetrics Width, CalibrationMetrics Mass, double Seconds)>();
        foreach (var (name, trainModel) in models)
        {
            var clock = Stopwatch.StartNew();
            var model = trainModel();
            double trainSeconds = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"## {name}: trained in {trainSeconds:F1} s");
            var scoredHeldOut = ml.Data.Cache(model.Transform(heldOut));
            var scoredTest = ml.Data.Cache(model.Transform(test));
            void Add(string method, IDataView scored, double seconds)
            {
                var width = ml.MulticlassClassification.EvaluateCalibration(scored, bins: 15);
                var mass = ml.MulticlassClassification.EvaluateCalibration(scored, bins: 15, binning: CalibrationBinning.EqualMass);
                table.Add((name, method, width, mass, seconds));
                Console.WriteLine($"    {method,-12} acc {width.Accuracy:F4}  NLL {width.LogLoss:F4}  ECE {width.ExpectedCalibrationError:F4} / {mass.ExpectedCalibrationError:F4} (mass)  classwise ECE {width.ClasswiseExpectedCalibrationError:F4}  fit {seconds:F2} s");
                string slug = (name.StartsWith("deep") ? "deep" : "lbfgs") + "-" + method.ToLowerInvariant().Replace(' ', '-');
                CalibrationPlots.SaveReliabilityWithHistogram(mass, Path.Combine(output, $"reliability-{slug}.png"), $"{name[..Math.Min(name.Length, 40)]}, {method}");
                CalibrationPlots.SaveClasswiseReliability(width, Path.Combine(output, $"classwise-{slug}.png"), $"{method}", data.ClassNames);
            }
            Add("uncalibrated", scoredTest, 0);
            clock.Restart();
            var ts = ml.Transforms.CalibrateTemperature().Fit(scoredHeldOut);
            Add("TS", ts.Transform(scoredTest), clock.Elapsed.TotalSeconds);
            clock.Restart();
            using var vs = ml.Transforms.CalibrateVectorScaling().Fit(scoredHeldOut);
            Add("vector", vs.Transform(scoredTest), clock.Elapsed.TotalSeconds);
            clock.Restart();
            using var dirichlet = ml.Transforms.CalibrateDirichlet().Fit(scoredHeldOut);
            Add("Dirichlet", dirichlet.Transform(scoredTest), clock.Elapsed.TotalSeconds);
            (model as IDisposable)?.Dispose();
            Console.WriteLine();
        }

        var md = new List<string>
        {
            "| model | calibration | test acc | NLL | Brier | ECE (equal width) | ECE (equal mass) | classwise ECE | MCE | fit s |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        };
        md.AddRange(table.Select(t => $"| {t.Model} | {t.Method} | {t.Width.Accuracy:F4} | {t.Width.LogLoss:F4} | {t.Width.BrierScore:F4} | " +
            $"{t.Width.ExpectedCalibrationError:F4} | {t.Mass.ExpectedCalibrationError:F4} | {t.Width.ClasswiseExpectedCalibrationError:F4} | {t.Width.MaximumCalibrationError:F4} | {t.Seconds:F2} |"));
        foreach (var line in md)
            Console.WriteLine(line);
        File.WriteAllLines(Path.Combine(output, "results.md"), md);
        Console.WriteLine();
        Console.WriteLine($"results.md and {table.Count * 2} PNGs in {output}; total {total.Elapsed.TotalSeconds:F0} s; load average at end {LoadAverage()}");
        return 0;
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}

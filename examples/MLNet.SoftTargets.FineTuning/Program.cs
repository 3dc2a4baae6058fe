using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.SoftTargets.Datasets;
using MLNet.SoftTargets.Examples;

namespace MLNet.SoftTargets.FineTuning;

/// <summary>
/// Fine-tunes the pretrained ResNet18 (ONNX, ImageNet) on a Fashion-MNIST subset with <c>SoftTargetCrossEntropy</c>: a
/// linear head on the 512-d pooled output with the backbone frozen (bottleneck cache) vs the last residual block
/// unfrozen, each with hard targets and with label smoothing (α = 0.1, Uniform). Prints a markdown table, saves the
/// unfrozen LS model, reloads it and scores raw test images.
/// </summary>
public static class Program
{
    private const double Alpha = 0.1;
    private const double LearningRate = 1e-3;
    private const int BatchSize = 64;
    private const int HeldOutStart = 55_000;
    private const int FullHeldOutRows = 500;
    private const int FullTestRows = 1_000;

    public static int Main(string[] args)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        if (!CommandLineHost.TryParse(FineTuningArguments.Command(), args, FineTuningArguments.From, out var arguments, out int exitCode))
            return exitCode;

        var total = Stopwatch.StartNew();
        string models = Path.Combine(AppContext.BaseDirectory, "DnnImageModels");
        string resnetPath = Path.Combine(models, "ResNet18.onnx"), preprocessPath = Path.Combine(models, "ResNetPreprocess.onnx");
        foreach (var path in new[] { resnetPath, preprocessPath })
        {
            if (!File.Exists(path))
            {
                Console.Error.WriteLine($"error: {path} not found; the build copies it from the Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1 package (dotnet restore).");
                return 1;
            }
        }

        string directory = arguments.DataDirectory ?? FashionMnist.DefaultDirectory;
        if (!FashionMnist.HasFiles(directory))
        {
            Console.Error.WriteLine($"error: Fashion-MNIST not found in {directory} (apt-get install dataset-fashion-mnist, or --data DIR with the four IDX .gz files).");
            return 2;
        }
        ImageSet train, heldOut, test;
        int trainRows = arguments.Quick ? 200 : arguments.TrainRows, heldOutRows = arguments.Quick ? 100 : FullHeldOutRows;
        int testRows = arguments.Quick ? 200 : FullTestRows, epochs = arguments.Quick ? 1 : arguments.Epochs;
        try
        {
            var (all, allTest) = FashionMnist.Load(directory);
            if (all.Rows < HeldOutStart + heldOutRows)
                throw new InvalidDataException($"{Path.Combine(directory, FashionMnist.TrainImagesFile)} holds {all.Rows} images; {HeldOutStart + heldOutRows} needed.");
            train = all.Slice(0, trainRows);
            heldOut = all.Slice(HeldOutStart, heldOutRows);
            test = allTest.Slice(0, Math.Min(testRows, allTest.Rows));
        }
        catch (InvalidDataException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }

        string output = Path.GetFullPath(arguments.OutputDirectory);
        try
        {
            Directory.CreateDirectory(output);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: --out: cannot create '{output}': {e.Message}");
            return 2;
        }

        var input = new ResNetInput(preprocessPath);
        double preprocessDifference = ResNetInput.MaxDifferenceFromOnnx(input, preprocessPath, test.Pixels.AsSpan(0, test.PixelCount));
        var channelMeans = input.ChannelMeans;
        var header = new StringBuilder();
        header.AppendLine("# Fine-tuning ResNet18 (ONNX) on Fashion-MNIST: frozen backbone vs last residual block unfrozen");
        header.AppendLine();
        header.AppendLine($"- data: Fashion-MNIST ({directory}): train = training images 0..{trainRows - 1}, held out = training images " +
                          $"{HeldOutStart}..{HeldOutStart + heldOutRows - 1}, test = test images 0..{test.Rows - 1}");
        header.AppendLine($"- input: 28×28 grey → bilinear 224×224 → ×255 in 3 channels → minus ResNetPreprocess.onnx's mean image " +
                          $"(B/G/R averages {channelMeans[0]:F1}/{channelMeans[1]:F1}/{channelMeans[2]:F1}); " +
                          $"max |this − ResNetPreprocess.onnx| on a test image = {preprocessDifference:G3}");
        header.AppendLine($"- trainer: SoftTargetCrossEntropy, linear head on the 512-d pooled output, Adam lr {LearningRate:G} (head and " +
                          $"unfrozen backbone layers alike), batch {BatchSize}, {epochs} epochs, seed 42, CPU, {Environment.ProcessorCount} threads");
        header.AppendLine($"- targets: hard (one-hot) or SmoothLabels({Alpha}, Uniform); ECE with 15 bins on the test rows");
        Console.Write(header);
        Console.WriteLine();
        if (preprocessDifference > 1e-3)
        {
            Console.Error.WriteLine($"error: the C# preprocessing differs from ResNetPreprocess.onnx by {preprocessDifference}.");
            return 1;
        }

        var ml = new MLContext(seed: 42);
        var trainView = input.View(ml, train);
        var smoothedTrain = ml.Transforms.SmoothLabels(Alpha, kind: LabelSmoothingKind.Uniform).Fit(trainView).Transform(trainView);
        var heldOutView = input.View(ml, heldOut);
        var testView = input.View(ml, test);

        var results = new List<RunResult>();
        SoftTargetCrossEntropyModel? savedCandidate = null;
        foreach (var (backbone, trainable) in new[] { ("frozen", 0), ("last block", 2) })
        {
            foreach (var smoothed in new[] { false, true })
            {
                string targets = smoothed ? $"LS α={Alpha}" : "hard";
                Console.WriteLine($"## {backbone} (TrainableLayers = {trainable}), {targets}");
                var options = new SoftTargetCrossEntropyTrainer.Options
                {
                    LabelColumnName = "Label",
                    SoftTargetColumnName = smoothed ? "SoftTarget" : null,
                    FeatureColumnName = "Features",
                    Optimizer = SoftTargetOptimizer.Adam,
                    LearningRate = LearningRate,
                    Epochs = epochs,
                    BatchSize = BatchSize,
                    Seed = 42,
                    Device = TrainingDevice.Cpu,
                    Threads = Environment.ProcessorCount,
                    Backbone = new BackboneOptions { ModelPath = resnetPath, TrainableLayers = trainable },
                    Progress = new ProgressSink(p => Console.WriteLine(
                        $"    epoch {p.Epoch}/{epochs}: train loss {p.TrainingLoss:F4}, held-out NLL {p.ValidationLogLoss:F4}, acc {p.ValidationAccuracy:F4}, " +
                        $"{p.SamplesPerSecond:F0} samples/s, {p.EpochSeconds:F1} s")),
                };
                var clock = Stopwatch.StartNew();
                var model = ml.MulticlassClassification.Trainers.SoftTargetCrossEntropy(options).Fit(smoothed ? smoothedTrain : trainView, heldOutView);
                double fitSeconds = clock.Elapsed.TotalSeconds;
                clock.Restart();
                // Scoring runs the whole backbone + head per row; keep only the small columns.
                var scored = ml.Data.Cache(ml.Transforms.SelectColumns("Label", "Score", "PredictedLabel").Fit(model.Transform(testView)).Transform(model.Transform(testView)));
                var metrics = ml.MulticlassClassification.EvaluateCalibration(scored, bins: 15);
                double scoreSeconds = clock.Elapsed.TotalSeconds;
                var result = new RunResult(backbone, targets, metrics, fitSeconds, model.History.Sum(h => h.EpochSeconds), (double)train.Rows * epochs / fitSeconds,
                    model.History.Average(h => h.SamplesPerSecond), scoreSeconds, test.Rows);
                results.Add(result);
                Console.WriteLine($"    test acc {metrics.Accuracy:F4}, NLL {metrics.LogLoss:F4}, ECE {metrics.ExpectedCalibrationError:F4}; fit {fitSeconds:F1} s " +
                                  $"(epochs {result.EpochSeconds:F1} s), scoring {test.Rows} test rows {scoreSeconds:F1} s");
                // Each model holds ONNX Runtime sessions of the whole ResNet18: release them now, not at some finalizer.
                if (trainable > 0 && smoothed)
                    savedCandidate = model;
                else
                    model.Dispose();
            }
        }

        string table = Table(results);
        Console.WriteLine();
        Console.WriteLine(table);

        // The saved model is the whole backbone (its last block fine-tuned) + head on the raw 150,528-float input.
        string modelPath = Path.Combine(output, "resnet18-lastblock-ls.zip");
        ml.Model.Save(savedCandidate!, trainView.Schema, modelPath);
        var reloaded = new MLContext(seed: 1).Model.Load(modelPath, out _);
        var few = input.View(ml, test.Slice(0, 3));
        var reloadedScores = reloaded.Transform(few).GetColumn<float[]>("Score").ToArray();
        var originalScores = savedCandidate!.Transform(few).GetColumn<float[]>("Score").ToArray();
        savedCandidate.Dispose();
        (reloaded as IDisposable)?.Dispose();
        var predictions = new StringBuilder();
        predictions.AppendLine($"Saved {modelPath} ({new FileInfo(modelPath).Length / 1e6:F1} MB); reloaded with stock ML.NET, three raw test images:");
        for (int i = 0; i < reloadedScores.Length; i++)
        {
            int best = Array.IndexOf(reloadedScores[i], reloadedScores[i].Max());
            double difference = reloadedScores[i].Zip(originalScores[i], (a, b) => Math.Abs(a - b)).Max();
            predictions.AppendLine($"- test image {i}: true {FashionMnist.ClassNames[test.Labels[i]]}, predicted {FashionMnist.ClassNames[best]} " +
                                   $"(p = {reloadedScores[i][best]:F3}); max |reloaded − in-memory score| = {difference:G2}");
        }
        Console.WriteLine();
        Console.Write(predictions);

        File.WriteAllText(Path.Combine(output, "results.md"),
            $"{header}- {DateTime.Now:yyyy-MM-dd HH:mm}, total {total.Elapsed.TotalSeconds:F0} s, peak resident memory {PeakResidentMegabytes()}\n\n{table}\n{predictions}");
        Console.WriteLine();
        Console.WriteLine($"results.md and the model written to {output}");
        Console.WriteLine($"total time {total.Elapsed.TotalSeconds:F0} s; peak resident memory {PeakResidentMegabytes()}");
        return 0;
    }

    /// <summary>The process's peak resident memory (VmHWM in /proc/self/status), as text; "unknown" off Linux.</summary>
    private static string PeakResidentMegabytes()
    {
        const string Path = "/proc/self/status";
        if (!File.Exists(Path))
            return "unknown";
        var line = File.ReadLines(Path).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? "unknown" : $"{long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024:N0} MB";
    }

    private static string Table(IReadOnlyList<RunResult> results)
    {
        var s = new StringBuilder();
        s.AppendLine("| backbone | targets | test acc | NLL | ECE | training s (incl. cache) | of which epochs s | samples/s (end to end) | samples/s (epochs) | scoring s |");
        s.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            s.AppendLine($"| {r.Backbone} | {r.Targets} | {r.Metrics.Accuracy:F3} | {r.Metrics.LogLoss:F3} | {r.Metrics.ExpectedCalibrationError:F3} | " +
                         $"{r.FitSeconds:F1} | {r.EpochSeconds:F1} | {r.EndToEndSamplesPerSecond:F0} | {r.EpochSamplesPerSecond:F0} | {r.ScoreSeconds:F1} |");
        }
        return s.ToString();
    }

    private sealed record RunResult(string Backbone, string Targets, CalibrationMetrics Metrics, double FitSeconds, double EpochSeconds,
        double EndToEndSamplesPerSecond, double EpochSamplesPerSecond, double ScoreSeconds, int TestRows);

    /// <summary>Reports synchronously (<see cref="Progress{T}"/> would post to the thread pool and reorder lines).</summary>
    private sealed class ProgressSink(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}

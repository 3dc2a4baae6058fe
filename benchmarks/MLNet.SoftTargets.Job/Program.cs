// The benchmark job: Fashion-MNIST, linear and MLP, α ∈ {0, 0.1}, every contestant in one run; prints a
// markdown report (date, machine, one table) to stdout and progress to stderr. See README.md in this folder.

using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using MLNet.SoftTargets.Examples;
using MLNet.SoftTargets.Job;
using MLNet.SoftTargets.TrainStep;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

if (!CommandLineHost.TryParse(JobOptions.Command(), args, JobOptions.From, out var options, out int exitCode))
    return exitCode;

// ---- The contestants, in the order they run and appear in the table. --------------------------------------
List<IJobContestant> contestants =
[
    new SoftTargetTrainerContestant(),
    new SoftTargetTrainerContestant(defaults: true),
    // new OursJobContestant(),
    new TorchSharpJobContestant(),
    MlNetMaximumEntropyContestant.Lbfgs(),
    MlNetMaximumEntropyContestant.Sdca(),
];
float[] alphas = [0f, 0.1f];
const int WarmUpRows = 5_000;
ModelKind[] models = [ModelKind.Linear, ModelKind.Mlp];

var selected = contestants.Where(options.Selects).ToList();
if (selected.Count == 0)
{
    Console.Error.WriteLine($"--only {string.Join(',', options.Only)} matches no contestant; the keys are " +
                            string.Join(", ", contestants.Select(c => c.Key)));
    return 2;
}

var total = Stopwatch.StartNew();
var settings = new JobSettings { Epochs = options.Epochs };

// Before anything touches a TorchSharp type: its static constructor loads the native wrapper.
string? torchLines = null;
if (selected.OfType<TorchSharpJobContestant>().Any())
    torchLines = TorchSharpNativeFix.Apply() + "\n- " + TorchSharpJobContestant.SelfCheck(settings.Threads);

var data = JobData.Load(options.DataDirectory, settings, options.TrainRows);

Console.WriteLine("# Benchmark job");
Console.WriteLine();
Console.WriteLine($"- Date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
Console.WriteLine($"- Machine: {MachineInfo.CpuModel()}; nproc = {MachineInfo.Nproc()}; {MachineInfo.Os()}; .NET {Environment.Version}");
Console.WriteLine($"- Command line: {(args.Length == 0 ? "(no options)" : string.Join(' ', args))}");
if (options.Quick)
    Console.WriteLine($"- **QUICK (smoke) run**: {options.TrainRows:N0} training rows, {settings.Epochs} epochs; not comparable with a full run");
Console.WriteLine($"- Data: {data.Source}");
Console.WriteLine($"- Job: linear 784→10 and MLP 784→256 ReLU→10; Uniform targets (1-α)·onehot + α/10; Adam lr {settings.LearningRate}, " +
                  $"β ({settings.Beta1}, {settings.Beta2}), ε {settings.Epsilon}, no weight decay; batch {settings.Batch}, " +
                  $"epochs {settings.Epochs}, rows reshuffled every epoch, seed {settings.Seed}, {settings.Threads} threads");
Console.WriteLine($"- Metrics on the {data.Test.Rows:N0} test rows by the library: EvaluateCalibration (accuracy, NLL, ECE with " +
                  $"{JobMetrics.EceBins} equal-width bins on top-1 confidence); CalibrateTemperature fitted on the {data.Holdout.Rows:N0} " +
                  $"held-out rows (min NLL) and applied to the test rows; inference = median of {settings.InferenceRepeats} timed runs " +
                  "over the test rows after one untimed run");
if (torchLines is not null)
    Console.WriteLine($"- {torchLines}");
Console.WriteLine($"- Load average at start (/proc/loadavg): {MachineInfo.LoadAverage()}");

// One untimed run of every contestant on every model it trains, on a few rows, so that no timed run pays for JIT
// compilation (tier-0 code for the first second or so) or first-use initialisation of a native library.
var warmUp = data.WithTrainSubset(
    Math.Min(WarmUpRows, data.Train.Rows), settings with { Epochs = 1, InferenceRepeats = 1 });
foreach (var contestant in selected)
{
    foreach (var model in models)
    {
        if (alphas.Where(a => contestant.Supports(model, a)).Take(1).ToArray() is not [float alpha])
            continue;
        var started = Stopwatch.StartNew();
        try
        {
            contestant.Run(warmUp, model, alpha);
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"warm-up of {contestant.Name}, {ModelName(model)} failed: {e.Message}");
        }
        Console.WriteLine($"- Warm-up (untimed, discarded): {contestant.Name}, {ModelName(model)}, α = {alpha}: " +
                          $"{warmUp.Train.Rows:N0} rows, 1 epoch (or one Fit), {started.Elapsed.TotalSeconds:F1} s");
    }
}
Console.WriteLine();

var metricsContext = new MLContext(seed: 42);
var rows = new List<JobRow>();
var failures = new List<string>();
foreach (var contestant in selected)
{
    foreach (var model in models)
    {
        foreach (float alpha in alphas)
        {
            if (!contestant.Supports(model, alpha))
                continue;
            string cell = $"{contestant.Name}, {ModelName(model)}, α = {alpha}";
            Console.Error.WriteLine($"[{total.Elapsed:mm\\:ss}] {cell} …");
            try
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                var result = contestant.Run(data, model, alpha);
                var metrics = JobMetrics.Evaluate(
                    metricsContext, result.HoldoutProbabilities, data.Holdout.Labels, result.TestProbabilities, data.Test.Labels);
                var row = new JobRow(contestant.Name, model, alpha, data.Train.Rows, result, metrics, MachineInfo.LoadAverage().Split(' ')[0]);
                rows.Add(row);
                Console.Error.WriteLine(
                    $"[{total.Elapsed:mm\\:ss}]   training {result.TrainingSeconds:F1} s, acc {metrics.Accuracy:F4}, NLL {metrics.Nll:F4}, " +
                    $"ECE {metrics.Ece:F4} → {metrics.EceAfterScaling:F4} at T = {metrics.Temperature:F3}");
            }
            catch (Exception e)
            {
                failures.Add($"{cell}: {e.GetType().Name}: {e.Message}");
                Console.Error.WriteLine($"[{total.Elapsed:mm\\:ss}]   FAILED: {e}");
            }
        }
    }
}

Console.WriteLine("| peer | model | α | median epoch s (or total s) | samples/s | test acc | NLL | ECE | ECE after TS | fitted T | inference ms (10k) |");
Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
foreach (var row in rows)
{
    var r = row.Result;
    var m = row.Metrics;
    string time = r.HasEpochs ? $"{r.MedianEpochSeconds:F3}" : $"{r.TrainingSeconds:F1} s total";
    string rate = r.HasEpochs ? $"{row.SamplesPerSecond / 1000:F0}k" : "–";
    Console.WriteLine($"| {row.Contestant} | {ModelName(row.Model)} | {row.Alpha} | {time} | {rate} | {m.Accuracy:F4} | {m.Nll:F4} | " +
                      $"{m.Ece:F4} | {m.EceAfterScaling:F4} | {m.Temperature:F2} | {r.InferenceMilliseconds:F1} |");
}
Console.WriteLine();
Console.WriteLine("Details:");
Console.WriteLine();
Console.WriteLine("| peer | model | α | training s (total) | epoch s | last-epoch train loss | NLL after TS | load avg (1 min) at end | note |");
Console.WriteLine("|---|---|---:|---:|---|---:|---:|---:|---|");
foreach (var row in rows)
{
    var r = row.Result;
    string epochs = r.HasEpochs ? string.Join(" ", r.EpochSeconds.Select(s => s.ToString("F3", CultureInfo.InvariantCulture))) : "–";
    string loss = r.FinalTrainingLoss is double l ? $"{l:F4}" : "–";
    Console.WriteLine($"| {row.Contestant} | {ModelName(row.Model)} | {row.Alpha} | {r.TrainingSeconds:F1} | {epochs} | {loss} | " +
                      $"{row.Metrics.NllAfterScaling:F4} | {row.LoadAverage} | {r.Note ?? ""} |");
}
Console.WriteLine();
foreach (string failure in failures)
    Console.WriteLine($"- **FAILED** {failure}");
Console.WriteLine($"Load average at end: {MachineInfo.LoadAverage()}. Total wall time: {total.Elapsed.TotalSeconds:F0} s");
return failures.Count == 0 ? 0 : 1;

static string ModelName(ModelKind model) => model == ModelKind.Linear ? "linear" : "MLP";

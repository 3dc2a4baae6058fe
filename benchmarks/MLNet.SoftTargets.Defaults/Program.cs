// Our trainer with default arguments against ML.NET's L-BFGS and SDCA maximum-entropy trainers with theirs, on
// every dataset in one run; a markdown report (date, machine, tables, targets) on stdout, progress on stderr.
// See README.md in this folder.

using System.Diagnostics;
using System.Globalization;
using MLNet.SoftTargets.DefaultsBenchmark;
using MLNet.SoftTargets.Examples;
using MLNet.SoftTargets.TrainStep;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

if (!CommandLineHost.TryParse(DefaultsOptions.Command(), args, DefaultsOptions.From, out var options, out int exitCode))
    return exitCode;

var total = Stopwatch.StartNew();
IReadOnlyList<BenchmarkDataset> datasets;
try
{
    datasets = BenchmarkDatasets.Load(options.Datasets, options.SklearnDirectory, options.FashionDirectory, options.Seed);
}
catch (Exception e) when (e is FileNotFoundException or InvalidDataException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
Console.Error.WriteLine($"[{total.Elapsed:mm\\:ss}] loaded {datasets.Count} datasets");

Console.WriteLine("# Defaults benchmark");
Console.WriteLine();
Console.WriteLine($"- Date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
Console.WriteLine($"- Machine: {MachineInfo.CpuModel()}; nproc = {MachineInfo.Nproc()}; {MachineInfo.Os()}; .NET {Environment.Version}");
Console.WriteLine($"- Command line: {(args.Length == 0 ? "(no options)" : string.Join(' ', args))}");
Console.WriteLine($"- Load average at start (/proc/loadavg): {MachineInfo.LoadAverage()}");
if (datasets.Any(d => BenchmarkDatasets.IsSklearn(d.Key)))
{
    string version = Path.Combine(options.SklearnDirectory, "VERSION");
    Console.WriteLine($"- scikit-learn CSVs: {options.SklearnDirectory} " +
                      $"({(File.Exists(version) ? File.ReadAllText(version).Trim() : "package version unknown")}, from get-sklearn-data.sh)");
}
if (datasets.Any(d => BenchmarkDatasets.IsFashionMnist(d.Key)))
    Console.WriteLine($"- Fashion-MNIST: {options.FashionDirectory}");
Console.WriteLine("- Contestants (each `Fit` on an `ml.Data.Cache` of the training rows, filled before the clock starts; " +
                  $"`MLContext(seed: {options.Seed})`; accuracy = `Evaluate(...).MicroAccuracy` on the test rows):");
foreach (var contestant in Contestant.All)
    Console.WriteLine($"  - {contestant.Name}: `{contestant.PipelineText}`");

// One untimed run of every contestant on the first dataset, so that no timed run pays for JIT compilation or the
// first use of a native library.
var warmUp = datasets[0];
foreach (var contestant in Contestant.All)
{
    var started = Stopwatch.StartNew();
    try
    {
        contestant.Run(warmUp, options.Seed);
    }
    catch (Exception e)
    {
        Console.Error.WriteLine($"warm-up of {contestant.Name} failed: {e.Message}");
    }
    Console.WriteLine($"- Warm-up (untimed, discarded): {contestant.Name} on {warmUp.Name}, {started.Elapsed.TotalSeconds:F1} s");
}
Console.WriteLine();

var results = new Dictionary<(string Dataset, string Contestant), ContestResult>();
var loadAfter = new Dictionary<string, string>();
var failures = new List<string>();
foreach (var dataset in datasets)
{
    foreach (var contestant in Contestant.All)
    {
        Console.Error.WriteLine($"[{total.Elapsed:mm\\:ss}] {dataset.Name}, {contestant.Name} …");
        try
        {
            var result = contestant.Run(dataset, options.Seed);
            results[(dataset.Key, contestant.Key)] = result;
            string stop = result.StopReason is { } reason ? $", {reason} after {result.Iterations} iterations" : "";
            Console.Error.WriteLine($"[{total.Elapsed:mm\\:ss}]   accuracy {result.Accuracy:F4}, training {result.TrainingSeconds:F2} s{stop}");
        }
        catch (Exception e)
        {
            failures.Add($"{dataset.Name}, {contestant.Name}: {e.GetType().Name}: {e.Message}");
            Console.Error.WriteLine($"[{total.Elapsed:mm\\:ss}]   FAILED: {e}");
        }
    }
    loadAfter[dataset.Key] = MachineInfo.LoadAverage().Split(' ')[0];
}

new DefaultsReport(datasets, results, loadAfter).Write(Console.Out);
Console.WriteLine();
foreach (string failure in failures)
    Console.WriteLine($"- **FAILED** {failure}");
Console.WriteLine($"Load average at end: {MachineInfo.LoadAverage()}. Total wall time: {total.Elapsed.TotalSeconds:F0} s");
return failures.Count == 0 ? 0 : 1;

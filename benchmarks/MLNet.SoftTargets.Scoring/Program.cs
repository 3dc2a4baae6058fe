// Scoring speed of trained models: batch throughput (Transform + cursor) and PredictionEngine latency of our model in
// memory, fast-loaded and stock-loaded, against ML.NET's L-BFGS (linear heads) and TorchSharp (the MLP), over 18
// configurations; prints a markdown report to stdout and progress to stderr. See README.md in this folder.

using System.Diagnostics;
using System.Globalization;
using MLNet.SoftTargets.Examples;
using MLNet.SoftTargets.ScoringBenchmark;
using MLNet.SoftTargets.TrainStep;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

if (!CommandLineHost.TryParse(ScoringOptions.Command(), args, ScoringOptions.From, out var options, out int exitCode))
    return exitCode;

var configurations = options.Configurations();
if (configurations.Count == 0)
{
    Console.Error.WriteLine($"--only {string.Join(',', options.Only)} selects no configuration.");
    return CommandLineHost.BadCommandLine;
}

var total = Stopwatch.StartNew();
var startedAt = DateTime.UtcNow;
string startLoad = MachineInfo.LoadAverage();
string startDenormals = Denormals();
void Log(string line) => Console.Error.WriteLine($"[{total.Elapsed:mm\\:ss}] {line}");

// Before anything touches a TorchSharp type: its static constructor loads the native wrapper.
string? torchLine = null;
if (options.Runs(ContestantKeys.TorchSharp) && configurations.Any(c => !c.IsLinear))
{
    torchLine = TorchSharpNativeFix.Apply();
    TorchSharp.torch.set_num_threads(Environment.ProcessorCount);
    torchLine += "; " + TorchSharpScoringContestant.Version;
}

var results = new List<ConfigurationResult>();
var failures = new List<string>();
foreach (var configuration in configurations)
{
    Log($"{configuration} …");
    try
    {
        results.Add(ConfigurationBench.Run(configuration, options, line => Log($"  {line}")));
    }
    catch (Exception e)
    {
        failures.Add($"{configuration}: {e.GetType().Name}: {e.Message}");
        Log($"  FAILED: {e}");
    }
}

Console.WriteLine("# Scoring speed");
Console.WriteLine();
Console.WriteLine($"- Date: {ScoringReport.DateLikeDateU(startedAt)} (start; end {ScoringReport.DateLikeDateU(DateTime.UtcNow)})");
Console.WriteLine($"- Machine: {MachineInfo.CpuModel()}; nproc = {MachineInfo.Nproc()}; {MachineInfo.Os()}; .NET {Environment.Version}");
Console.WriteLine($"- Load average (/proc/loadavg) at start: {startLoad}; at end: {MachineInfo.LoadAverage()}");
Console.WriteLine($"- Command line: MLNet.SoftTargets.Scoring {(args.Length == 0 ? "(no options)" : string.Join(' ', args))}");
if (options.Quick)
    Console.WriteLine("- **QUICK (smoke) run**: not comparable with a full run");
Console.WriteLine($"- {options.Rows:N0} rows a pass, {options.Rounds} timed rounds (medians; the contestants' order reversed every other " +
                  $"round), after untimed passes of each contestant for at least {ConfigurationBench.WarmUpMilliseconds:F0} ms (the first gives the scores of the checks)");
Console.WriteLine($"- Data: synthetic, seeded; trained on {ScoringData.TrainRows:N0} rows, ours with Adam, 3 epochs, batch 256, lr 0.01, " +
                  "CPU; L-BFGS = LbfgsMaximumEntropy with its defaults on the same rows");
Console.WriteLine($"- ONNX Runtime: Microsoft.ML.OnnxRuntime.Gpu {typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly.GetName().Version?.ToString(3)} (CPU provider)");
if (torchLine is not null)
    Console.WriteLine($"- {torchLine}");
Console.WriteLine($"- Denormals on the main thread at start: {startDenormals}; at end: {Denormals()} (every contestant scores on it)");
if (options.Rounds < 5)
    Console.WriteLine("- Note: fewer than 5 rounds; the medians are only indicative");
Console.WriteLine();
if (results.Count > 0)
    ScoringReport.Write(Console.Out, results);
bool checksFailed = results.Any(r => r.Contestants.Any(c => !c.Passed));
if (checksFailed)
    Console.WriteLine("- **A score check FAILED** (see the score checks table)");
foreach (string failure in failures)
    Console.WriteLine($"- **FAILED** {failure}");
Console.WriteLine($"Total wall time: {total.Elapsed.TotalSeconds:F0} s");
return failures.Count == 0 && !checksFailed ? 0 : 1;

// Whether this thread keeps denormal floats or flushes them to zero (FTZ/DAZ in MXCSR): our trainer's ONNX Runtime
// session leaves them set on the thread that calls Fit. The operand is not a constant, so the JIT cannot fold it.
static string Denormals()
{
    float tiny = BitConverter.Int32BitsToSingle(Environment.ProcessorCount > 0 ? 71_362 : 1);   // 1e-40
    return tiny * 1f == 0f ? "flushed to zero" : "kept";
}

// Training-step throughput: the same MLP training step (784→256 ReLU→10, soft-target cross-entropy, Adam,
// batch 256, 2 threads) run by each contestant, alternating, in several rounds; prints a markdown table.
// See README.md in this folder.

using System.Diagnostics;
using System.Globalization;
using MLNet.SoftTargets.Examples;
using MLNet.SoftTargets.TrainStep;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

if (!CommandLineHost.TryParse(BenchmarkOptions.Command(), args, BenchmarkOptions.From, out var options, out int exitCode))
    return exitCode;

var total = Stopwatch.StartNew();

// Before anything touches a TorchSharp type: its static constructor loads the native wrapper.
string fix = TorchSharpNativeFix.Apply();
TorchSharpCheck(out string torchCheck);

var data = TrainingData.Load(options.DataDirectory, TrainStepJob.TrainRows, TrainStepJob.Batch);

// ---- The contestants. The first one is the peer that the ratio column compares against. -------------------
var torchSharp = new TorchSharpContestant();
List<ITrainStepContestant> contestants = [torchSharp, new OnnxGraphContestant()];

try
{
    foreach (var contestant in contestants)
        contestant.Setup(TrainStepJob.InputSize, TrainStepJob.Hidden, TrainStepJob.Classes, TrainStepJob.Batch, TrainStepJob.Seed);

    Console.WriteLine("# Training-step throughput");
    Console.WriteLine();
    Console.WriteLine($"- Date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
    Console.WriteLine($"- Machine: {MachineInfo.CpuModel()}; nproc = {MachineInfo.Nproc()}; {MachineInfo.Os()}; .NET {Environment.Version}");
    Console.WriteLine($"- Data: {data.Source}");
    if (!data.IsReal)
        Console.WriteLine("- **WARNING: random stand-in data, not Fashion-MNIST** (speed only; losses mean nothing)");
    Console.WriteLine($"- Job: MLP {TrainStepJob.InputSize}→{TrainStepJob.Hidden} ReLU→{TrainStepJob.Classes}, soft-target CE " +
                      $"(α = {TrainStepJob.Alpha} Uniform), Adam lr {TrainStepJob.LearningRate}, β ({TrainStepJob.Beta1}, {TrainStepJob.Beta2}), " +
                      $"ε {TrainStepJob.Epsilon}, batch {TrainStepJob.Batch} ({data.Batches.Count} batches an epoch, the last of " +
                      $"{data.Batches[^1].Rows} rows), seed {TrainStepJob.Seed}, {TrainStepJob.Threads} threads");
    Console.WriteLine($"- Rounds: {options.Rounds} (contestants alternate, order reversed every other round), each {options.Warmup} " +
                      $"untimed warm-up steps then {options.Steps} timed steps; before the first round each contestant runs " +
                      $"untimed for {options.WarmupSeconds:0.#} s");
    Console.WriteLine($"- {fix}");
    Console.WriteLine($"- {torchCheck}; {torchSharp.DescribeOptimizer()}");
    Console.WriteLine($"- Load average at start (/proc/loadavg): {MachineInfo.LoadAverage()}");
    if (options.Rounds < 5)
        Console.WriteLine("- Note: fewer than 5 rounds; the median is only indicative");

    var harness = new Harness(data.Batches);
    foreach (var contestant in contestants)
    {
        var started = Stopwatch.StartNew();
        int steps = harness.WarmUp(contestant, TimeSpan.FromSeconds(options.WarmupSeconds));
        Console.WriteLine($"- Initial warm-up of {contestant.Name}: {steps} steps in {started.Elapsed.TotalSeconds:F1} s");
    }
    Console.WriteLine();
    var results = new Dictionary<ITrainStepContestant, List<RoundResult>>(ReferenceEqualityComparer.Instance);
    foreach (var contestant in contestants)
        results[contestant] = [];

    Console.WriteLine("| round | contestant | samples/s | ms/step | loss |");
    Console.WriteLine("|---:|---|---:|---:|---:|");
    for (int round = 0; round < options.Rounds; round++)
    {
        var order = round % 2 == 0 ? contestants : Enumerable.Reverse(contestants).ToList();
        foreach (var contestant in order)
        {
            var result = harness.Run(contestant, options.Warmup, options.Steps);
            results[contestant].Add(result);
            Console.WriteLine($"| {round + 1} | {contestant.Name} | {result.SamplesPerSecond:N0} | {result.MillisecondsPerStep:F3} | {result.LastLoss:F4} |");
        }
    }

    Console.WriteLine();
    Console.WriteLine($"| contestant | samples/s (median of {options.Rounds}) | min | max | ms/step (median) | vs {contestants[0].Name} | last loss |");
    Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
    double peer = Median(results[contestants[0]].Select(r => r.SamplesPerSecond));
    foreach (var contestant in contestants)
    {
        var rounds = results[contestant];
        double median = Median(rounds.Select(r => r.SamplesPerSecond));
        Console.WriteLine($"| {contestant.Name} | **{median:N0}** | {rounds.Min(r => r.SamplesPerSecond):N0} | " +
                          $"{rounds.Max(r => r.SamplesPerSecond):N0} | {Median(rounds.Select(r => r.MillisecondsPerStep)):F3} | " +
                          $"{median / peer:F2}× | {rounds[^1].LastLoss:F4} |");
    }
    Console.WriteLine();
    Console.WriteLine($"Load average at end: {MachineInfo.LoadAverage()}. Total wall time: {total.Elapsed.TotalSeconds:F1} s");
    return 0;
}
finally
{
    foreach (var contestant in contestants)
        contestant.Dispose();
}

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToArray();
    int mid = sorted.Length / 2;
    return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

// Proves that the native library loads and computes before any timing starts.
static void TorchSharpCheck(out string line)
{
    using var ones = TorchSharp.torch.ones(2, 3);
    using var sum = ones.sum();
    float value = sum.item<float>();
    if (value != 6f)
        throw new InvalidOperationException($"TorchSharp check failed: torch.ones(2, 3).sum() = {value}");
    line = "TorchSharp loaded: torch.ones(2, 3).sum() = 6";
}

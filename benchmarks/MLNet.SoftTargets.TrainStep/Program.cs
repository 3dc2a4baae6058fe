// Training-step throughput: the same MLP training step (784→256 ReLU→10, soft-target cross-entropy, Adam,
// batch 256, 2 threads) run by each contestant, alternating, in several rounds; prints a markdown table.
// See README.md in this folder.

using System.Diagnostics;
using MLNet.SoftTargets.TrainStep;

var total = Stopwatch.StartNew();
if (!TorchSharpBenchmark.Start(BenchmarkOptions.Command(), args, BenchmarkOptions.From, out var options, out int exitCode, out var torchLines))
    return exitCode;
var (fix, torchCheck) = torchLines;

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
    harness.Race(contestants, options.WarmupSeconds, options.Rounds, options.Warmup, options.Steps, "samples");
    TorchSharpBenchmark.PrintEnd(total);
    return 0;
}
finally
{
    foreach (var contestant in contestants)
        contestant.Dispose();
}

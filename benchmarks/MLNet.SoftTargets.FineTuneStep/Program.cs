// Fine-tuning training-step throughput: ResNet18's last residual block + a linear head (TrainableLayers = 2), trained on
// cached cut activations, batch 64, Adam, soft-target cross-entropy, 2 threads; our ONNX-graph step against
// TorchSharp-cpu. Correctness check, alternating timed rounds, then where the time goes. See README.md in this folder.

using System.Diagnostics;
using Onnx;
using TorchSharp;
using MLNet.SoftTargets.FineTuneStep;
using MLNet.SoftTargets.TrainStep;

var total = Stopwatch.StartNew();
if (!TorchSharpBenchmark.Start(FineTuneOptions.Command(), args, FineTuneOptions.From, out var options, out int exitCode, out var torchLines))
    return exitCode;
var (fix, torchCheck) = torchLines;
if (options.KernelRounds > 0)
{
    torch.set_num_threads(FineTuneJob.Threads);
    Console.WriteLine($"- Date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; load average {MachineInfo.LoadAverage()}; {fix}");
    KernelProbe.Run(options.KernelRounds);
    return 0;
}

if (!File.Exists(FineTuneJob.ModelPath))
{
    Console.Error.WriteLine($"error: {FineTuneJob.ModelPath} not found; the build copies it from the Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1 package (dotnet restore).");
    return 1;
}
var built = Stopwatch.StartNew();
var network = new BlockNetwork(FineTuneJob.ModelPath);
double buildSeconds = built.Elapsed.TotalSeconds;
var spec = ResidualBlockSpec.Read(FineTuneJob.ModelPath, network.Top.CutName, network.Top.OutputName);
var data = CutActivations.Load(network, options.Rows, options.RandomData, options.DataDirectory);
var stepGraph = ModelProto.Parser.ParseFrom(network.Graph.Model).Graph;
var parameters = network.Network.Parameters;

Console.WriteLine("# Fine-tuning training-step throughput (ResNet18's last residual block + linear head)");
Console.WriteLine();
Console.WriteLine($"- Date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
Console.WriteLine($"- Machine: {MachineInfo.CpuModel()}; nproc = {MachineInfo.Nproc()}; {MachineInfo.Os()}; .NET {Environment.Version}");
Console.WriteLine($"- Load average at start (/proc/loadavg): {MachineInfo.LoadAverage()}");
Console.WriteLine($"- Block (ResNet18.onnx, TrainableLayers = {FineTuneJob.TrainableLayers}): cut {network.Top.CutName} " +
                  $"[N, {string.Join(", ", network.Top.CutShape)}] → {string.Join(" → ", spec.NodeNames)} → linear {network.Top.OutputSize}→{FineTuneJob.Classes}");
Console.WriteLine($"- Trainable ({parameters.Sum(p => (long)p.Length):N0} values): {string.Join(", ", parameters.Select(p => $"{p.Name} [{string.Join("×", p.Shape)}]"))}");
Console.WriteLine($"- Our step graph: {stepGraph.Node.Count} nodes ({string.Join(", ", stepGraph.Node.GroupBy(n => n.OpType).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count()}"))}); built in {buildSeconds:F1} s");
Console.WriteLine($"- Data: {data.Source}; {data.Batches.Count} batches of {FineTuneJob.Batch}");
Console.WriteLine($"- Job: soft-target CE (α = {FineTuneJob.Alpha} Uniform), Adam lr {FineTuneJob.LearningRate}, β ({FineTuneJob.Beta1}, {FineTuneJob.Beta2}), " +
                  $"ε {FineTuneJob.Epsilon}, no weight decay, batch {FineTuneJob.Batch}, head seed {FineTuneJob.Seed}, {FineTuneJob.Threads} threads, CPU");
Console.WriteLine($"- {fix}");

using var ours = new OnnxBlockContestant(network);
using var torchSharp = new TorchSharpBlockContestant(spec, network.Top.CutShape, parameters.Select(p => p.Name).ToList(), network.Initial,
    parameters.ToDictionary(p => p.Name, p => p.Shape));
List<ITrainStep> contestants = [torchSharp, ours];
Console.WriteLine($"- {torchCheck}; {torchSharp.DescribeOptimizer()}");
Console.WriteLine();

// ---- Correctness: the same steps on the same batches from the same weights. ----------------------------
if (!CorrectnessCheck.Run(ours, torchSharp, network.Initial, data.Batches, options.CheckSteps))
    return 1;

// ---- Timing. ------------------------------------------------------------------------------------------
Console.WriteLine();
Console.WriteLine($"## Timing: {options.Rounds} rounds (contestants alternate, order reversed every other round), each {options.Warmup} " +
                  $"untimed warm-up step(s) then {options.Steps} timed steps; before the first round each contestant runs untimed for " +
                  $"{options.WarmupSeconds:0.#} s");
Console.WriteLine();
new Harness(data.Batches).Race(contestants, options.WarmupSeconds, options.Rounds, options.Warmup, options.Steps, "images");

// ---- Where the time goes. -----------------------------------------------------------------------------
if (options.ProfileSteps > 0)
{
    Console.WriteLine();
    Console.WriteLine("## Where the time goes");
    Console.WriteLine();
    torchSharp.ResetPhases();
    for (int i = 0; i < options.ProfileSteps; i++)
    {
        var batch = data.Batches[i % data.Batches.Count];
        torchSharp.Step(batch.X, batch.Q, batch.Rows);
    }
    var phases = torchSharp.Phases;
    double all = phases.Forward + phases.Backward + phases.Optimizer;
    Console.WriteLine($"TorchSharp, {phases.Steps} steps (Stopwatch around each phase; libtorch's profiler is not exposed by TorchSharp 0.107):");
    Console.WriteLine();
    Console.WriteLine("| phase | ms/step | share |");
    Console.WriteLine("|---|---:|---:|");
    foreach (var (name, seconds) in new[] { ("forward + loss", phases.Forward), ("backward", phases.Backward), ("Adam step", phases.Optimizer) })
        Console.WriteLine($"| {name} | {seconds * 1000 / phases.Steps:F1} | {seconds / all:P1} |");
    Console.WriteLine();
    OurProfile(network, data, options.ProfileSteps).Print(top: 15);
}
TorchSharpBenchmark.PrintEnd(total);
return 0;

// Runs 1 + steps steps of our step in a session of its own with ONNX Runtime's profiler on, and reads the profile back.
static OrtProfile OurProfile(BlockNetwork network, CutActivations data, int steps)
{
    string folder = Directory.CreateTempSubdirectory("ft-step-profile-").FullName;
    try
    {
        using (var runner = network.CreateRunner(Path.Combine(folder, "ours")))
        {
            for (int i = 0; i <= steps; i++)
            {
                var batch = data.Batches[i % data.Batches.Count];
                batch.X.CopyTo(runner.Features);
                batch.Q.CopyTo(runner.Targets);
                runner.Step(batch.Rows, (float)FineTuneJob.LearningRate);
            }
        }
        // ONNX Runtime writes {prefix}_{timestamp}.json when the session ends.
        string file = Directory.GetFiles(folder, "ours*.json").Single();
        return OrtProfile.Read(file);
    }
    finally
    {
        Directory.Delete(folder, recursive: true);
    }
}

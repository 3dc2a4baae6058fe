using System.Diagnostics;
using System.Runtime.InteropServices;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNet.SoftTargets.Job;

/// <summary>
/// The libtorch peer: a plain PyTorch-style training loop in TorchSharp-cpu 0.107 — rows reshuffled every epoch
/// (<c>randperm</c> from a generator seeded with the job's seed), <c>index_select</c> batches, torch's
/// <c>cross_entropy</c> with probability targets, Adam with every argument explicit.
/// </summary>
public sealed class TorchSharpJobContestant : IJobContestant
{
    public string Name => "TorchSharp-cpu 0.107";

    public string Key => "torchsharp";

    public bool Supports(ModelKind model, float alpha) => true;

    /// <summary>
    /// Proves that libtorch loads and that <c>cross_entropy</c> with a probability target is the soft-target loss
    /// <c>mean_rows(-Σ q·log_softmax(z))</c>. Call after <c>TorchSharpNativeFix.Apply</c>; returns a line for the report.
    /// </summary>
    public static string SelfCheck(int threads)
    {
        torch.set_num_threads(threads);
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(1);
        var z = torch.randn(7, JobSettings.Classes);
        var q = nn.functional.softmax(torch.randn(7, JobSettings.Classes), 1);
        double library = nn.functional.cross_entropy(z, q).item<float>();
        double manual = (-(q * nn.functional.log_softmax(z, 1)).sum(1).mean()).item<float>();
        if (Math.Abs(library - manual) > 1e-5)
            throw new InvalidOperationException($"cross_entropy with probability targets is {library}, the soft-target loss {manual}");
        return FormattableString.Invariant(
            $"TorchSharp loaded; cross_entropy(z, probabilities) = soft-target CE ({library:F6} vs {manual:F6}); torch threads = {torch.get_num_threads()}");
    }

    public JobResult Run(JobData data, ModelKind model, float alpha)
    {
        var s = data.Settings;
        const int f = JobSettings.Features;
        const int k = JobSettings.Classes;
        torch.set_num_threads(s.Threads);
        torch.manual_seed(s.Seed);

        using var net = Build(model);
        // Every Adam argument explicitly: TorchSharp's default beta2 is 0.99, not PyTorch's 0.999.
        using var adam = optim.Adam(
            net.parameters(),
            lr: s.LearningRate,
            beta1: s.Beta1,
            beta2: s.Beta2,
            eps: s.Epsilon,
            weight_decay: 0,
            amsgrad: false,
            maximize: false);
        CheckOptimizer(adam, s);

        int rows = data.Train.Rows;
        using var x = torch.tensor(data.Train.X, [rows, f]);
        using var q = torch.tensor(data.Train.SoftTargets(alpha), [rows, k]);
        using var generator = new torch.Generator((ulong)s.Seed, torch.CPU);

        var epochSeconds = new List<double>();
        double lastLoss = double.NaN;
        long trainingStart = Stopwatch.GetTimestamp();
        for (int epoch = 0; epoch < s.Epochs; epoch++)
        {
            net.train();
            long start = Stopwatch.GetTimestamp();
            double lossSum = 0;
            using (var permutation = torch.randperm(rows, generator: generator))
            {
                for (int first = 0; first < rows; first += s.Batch)
                {
                    int n = Math.Min(s.Batch, rows - first);
                    using var scope = torch.NewDisposeScope();
                    var index = permutation.narrow(0, first, n);
                    var xb = x.index_select(0, index);
                    var qb = q.index_select(0, index);
                    adam.zero_grad();
                    var loss = nn.functional.cross_entropy(net.forward(xb), qb);
                    loss.backward();
                    adam.step();
                    lossSum += loss.item<float>() * (double)n;
                }
            }
            epochSeconds.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
            lastLoss = lossSum / rows;
            if (!double.IsFinite(lastLoss))
                throw new InvalidOperationException($"{Name}: the training loss is {lastLoss} in epoch {epoch + 1}");
        }
        double trainingSeconds = Stopwatch.GetElapsedTime(trainingStart).TotalSeconds;

        net.eval();
        float[] holdout = Predict(net, data.Holdout.X, data.Holdout.Rows);
        float[] test = Predict(net, data.Test.X, data.Test.Rows);   // also the untimed warm-up run
        var inference = new List<double>();
        for (int i = 0; i < s.InferenceRepeats; i++)
        {
            long start = Stopwatch.GetTimestamp();
            test = Predict(net, data.Test.X, data.Test.Rows);
            inference.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        return new JobResult
        {
            EpochSeconds = epochSeconds,
            TrainingSeconds = trainingSeconds,
            HoldoutProbabilities = holdout,
            TestProbabilities = test,
            InferenceMilliseconds = Stats.Median(inference),
            FinalTrainingLoss = lastLoss,
        };
    }

    private static Sequential Build(ModelKind model) => model switch
    {
        ModelKind.Linear => nn.Sequential(("fc", nn.Linear(JobSettings.Features, JobSettings.Classes))),
        ModelKind.Mlp => nn.Sequential(
            ("fc1", nn.Linear(JobSettings.Features, JobSettings.Hidden)),
            ("relu", nn.ReLU()),
            ("fc2", nn.Linear(JobSettings.Hidden, JobSettings.Classes))),
        _ => throw new ArgumentOutOfRangeException(nameof(model), model, null),
    };

    /// <summary>Softmax probabilities of all rows of <paramref name="x"/> in one forward pass, copied into a managed array.</summary>
    private static float[] Predict(Sequential net, float[] x, int rows)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var input = torch.tensor(x, [rows, JobSettings.Features]);
        var p = nn.functional.softmax(net.forward(input), 1).contiguous();
        var result = new float[rows * JobSettings.Classes];
        // Tensor.bytes is a view of the CPU storage: one memcpy (TensorAccessor copies element by element).
        MemoryMarshal.Cast<byte, float>(p.bytes).CopyTo(result);
        return result;
    }

    /// <summary>Reads the hyper-parameters back from the optimizer, so that none silently fell back to a default.</summary>
    private static void CheckOptimizer(optim.Optimizer optimizer, JobSettings s)
    {
        var o = (Adam.Options)((ParamGroup)((Adam)optimizer).ParamGroups.First()).Options;
        if (o.LearningRate != s.LearningRate || o.beta1 != s.Beta1 || o.beta2 != s.Beta2 || o.eps != s.Epsilon ||
            o.weight_decay != 0 || o.amsgrad != false || o.maximize != false)
            throw new InvalidOperationException(FormattableString.Invariant(
                $"Adam holds lr={o.LearningRate}, beta1={o.beta1}, beta2={o.beta2}, eps={o.eps}, weight_decay={o.weight_decay}, amsgrad={o.amsgrad}"));
    }
}

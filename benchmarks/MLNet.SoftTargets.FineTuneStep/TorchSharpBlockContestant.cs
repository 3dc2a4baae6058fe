using System.Diagnostics;
using System.Runtime.InteropServices;
using TorchSharp;
using TorchSharp.Modules;
using MLNet.SoftTargets.TrainStep;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace MLNet.SoftTargets.FineTuneStep;

/// <summary>
/// The peer: the same block and head in TorchSharp-cpu (libtorch 2.10), written out by hand from
/// <see cref="ResidualBlockSpec"/>: conv2d → batch_norm (frozen running statistics as constants, training: false;
/// trainable scale and bias) → relu → conv2d → batch_norm → + cut → relu → mean over H, W → h·W + b. The trainable
/// tensors are exactly ours (the two conv weights, the four BN scales and biases, the head), copied from our initial
/// values; soft-target cross-entropy; Adam with every argument explicit; <see cref="FineTuneJob.Threads"/> threads.
/// </summary>
internal sealed class TorchSharpBlockContestant : TrainStep.ITrainStep
{
    private readonly ResidualBlockSpec _spec;
    private readonly Dictionary<string, Parameter> _parameters = [];
    private readonly Tensor _mean1, _var1, _mean2, _var2;
    private readonly optim.Optimizer _adam;
    private readonly Tensor _x;   // [batch, 512, 7, 7], reused every step
    private readonly Tensor _q;   // [batch, classes], reused every step

    /// <param name="parameterNames">Our parameter names in our order; <c>backbone.X</c> is the ONNX initializer X.</param>
    public TorchSharpBlockContestant(ResidualBlockSpec spec, long[] cutShape, IReadOnlyList<string> parameterNames, IReadOnlyDictionary<string, float[]> initial,
        IReadOnlyDictionary<string, long[]> shapes)
    {
        torch.set_num_threads(FineTuneJob.Threads);
        _spec = spec;
        foreach (string name in parameterNames)
            _parameters[name] = new Parameter(torch.tensor(initial[name], shapes[name]), requires_grad: true);
        _mean1 = torch.tensor(spec.Norm1.Mean, [spec.Norm1.Mean.Length]);
        _var1 = torch.tensor(spec.Norm1.Variance, [spec.Norm1.Variance.Length]);
        _mean2 = torch.tensor(spec.Norm2.Mean, [spec.Norm2.Mean.Length]);
        _var2 = torch.tensor(spec.Norm2.Variance, [spec.Norm2.Variance.Length]);
        // Every Adam argument explicitly: TorchSharp's default beta2 is 0.99, not PyTorch's 0.999.
        _adam = optim.Adam(_parameters.Values, lr: FineTuneJob.LearningRate, beta1: FineTuneJob.Beta1, beta2: FineTuneJob.Beta2,
            eps: FineTuneJob.Epsilon, weight_decay: 0, amsgrad: false, maximize: false);
        _x = torch.zeros([FineTuneJob.Batch, .. cutShape], dtype: ScalarType.Float32);
        _q = torch.zeros(FineTuneJob.Batch, FineTuneJob.Classes, dtype: ScalarType.Float32);
    }

    public string Name => "TorchSharp-cpu 0.107 (libtorch 2.10)";

    /// <summary>Forward, backward and Adam-step time of the steps run so far, in seconds.</summary>
    public (double Forward, double Backward, double Optimizer, long Steps) Phases { get; private set; }

    /// <summary>Clears <see cref="Phases"/>.</summary>
    public void ResetPhases() => Phases = default;

    public float Step(float[] x, float[] q, int rows)
    {
        using var scope = torch.NewDisposeScope();
        // Tensor.bytes is a view of the CPU storage: one memcpy (see MLNet.SoftTargets.TrainStep's TorchSharpContestant).
        int cutSize = (int)_x.shape.Skip(1).Aggregate(1L, (p, d) => p * d);
        MemoryMarshal.AsBytes(x.AsSpan(0, rows * cutSize)).CopyTo(_x.bytes);
        MemoryMarshal.AsBytes(q.AsSpan(0, rows * FineTuneJob.Classes)).CopyTo(_q.bytes);
        var xb = rows == _x.shape[0] ? _x : _x.narrow(0, 0, rows);
        var qb = rows == _q.shape[0] ? _q : _q.narrow(0, 0, rows);

        long start = Stopwatch.GetTimestamp();
        _adam.zero_grad();
        var loss = Loss(xb, qb);
        long forward = Stopwatch.GetTimestamp();
        loss.backward();
        long backward = Stopwatch.GetTimestamp();
        _adam.step();
        long end = Stopwatch.GetTimestamp();
        float value = loss.item<float>();
        var p = Phases;
        Phases = (p.Forward + Seconds(start, forward), p.Backward + Seconds(forward, backward), p.Optimizer + Seconds(backward, end), p.Steps + 1);
        return value;
    }

    /// <summary>The current parameters by our names.</summary>
    public IReadOnlyDictionary<string, float[]> Parameters() =>
        _parameters.ToDictionary(p => p.Key, p => MemoryMarshal.Cast<byte, float>(p.Value.bytes).ToArray());

    private Tensor Loss(Tensor x, Tensor q)
    {
        Tensor P(string onnxName) => _parameters[Backbones.BackboneTop.Prefix + onnxName];
        var h = F.conv2d(x, P(_spec.Conv1.Weight), padding: Padding(_spec.Conv1));
        h = F.batch_norm(h, _mean1, _var1, P(_spec.Norm1.Scale), P(_spec.Norm1.Bias), training: false, eps: _spec.Norm1.Epsilon);
        h = F.relu(h);
        h = F.conv2d(h, P(_spec.Conv2.Weight), padding: Padding(_spec.Conv2));
        h = F.batch_norm(h, _mean2, _var2, P(_spec.Norm2.Scale), P(_spec.Norm2.Bias), training: false, eps: _spec.Norm2.Epsilon);
        h = F.relu(h + x);
        var pooled = h.mean([2, 3]);                                                  // AveragePool 7×7 over 7×7, flattened: [N, 512]
        var logits = pooled.matmul(_parameters["layer0.weight"]) + _parameters["layer0.bias"];   // our head: h·W + b, W [512, 10]
        return -(q * F.log_softmax(logits, 1)).sum(1).mean();
    }

    private static long[] Padding(ConvSpec conv) =>
        conv.Pads.Length == 4 && conv.Pads[0] == conv.Pads[2] && conv.Pads[1] == conv.Pads[3]
            ? [conv.Pads[0], conv.Pads[1]]
            : throw new NotSupportedException($"asymmetric pads {string.Join(",", conv.Pads)}");

    private static double Seconds(long from, long to) => (to - from) / (double)Stopwatch.Frequency;

    /// <summary>The Adam hyper-parameters as the optimizer holds them (to check that none fell back to a default).</summary>
    public string DescribeOptimizer() => TorchSharpAdam.Describe(_adam);

    public void Dispose()
    {
        _x.Dispose();
        _q.Dispose();
        _adam.Dispose();
        foreach (var t in new[] { _mean1, _var1, _mean2, _var2 })
            t.Dispose();
        foreach (var p in _parameters.Values)
            p.Dispose();
    }
}

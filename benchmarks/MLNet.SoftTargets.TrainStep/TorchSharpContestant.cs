using System.Runtime.InteropServices;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNet.SoftTargets.TrainStep;

/// <summary>The peer: the same step in TorchSharp-cpu (libtorch 2.10) on <see cref="TrainStepJob.Threads"/> threads.</summary>
public sealed class TorchSharpContestant : ITrainStepContestant
{
    private Sequential? _model;
    private optim.Optimizer? _adam;
    private Tensor? _x;   // [batch, inputSize], reused every step
    private Tensor? _q;   // [batch, classes], reused every step
    private int _inputSize;
    private int _classes;

    public string Name => "TorchSharp-cpu 0.107 (libtorch 2.10)";

    public void Setup(int inputSize, int hidden, int classes, int batch, int seed)
    {
        torch.set_num_threads(TrainStepJob.Threads);
        torch.manual_seed(seed);
        _inputSize = inputSize;
        _classes = classes;

        _model = nn.Sequential(
            ("fc1", nn.Linear(inputSize, hidden)),
            ("relu", nn.ReLU()),
            ("fc2", nn.Linear(hidden, classes)));
        _model.train();

        // Every Adam argument explicitly: TorchSharp's default beta2 is 0.99, not PyTorch's 0.999.
        _adam = optim.Adam(
            _model.parameters(),
            lr: TrainStepJob.LearningRate,
            beta1: TrainStepJob.Beta1,
            beta2: TrainStepJob.Beta2,
            eps: TrainStepJob.Epsilon,
            weight_decay: 0,
            amsgrad: false,
            maximize: false);

        _x = torch.zeros(batch, inputSize, dtype: ScalarType.Float32);
        _q = torch.zeros(batch, classes, dtype: ScalarType.Float32);
    }

    public float Step(float[] x, float[] q, int rows)
    {
        if (_model is null || _adam is null || _x is null || _q is null)
            throw new InvalidOperationException("Setup was not called");

        if (rows < 1 || rows > _x.shape[0])
            throw new ArgumentOutOfRangeException(nameof(rows), rows, $"must be 1..{_x.shape[0]}");

        using var scope = torch.NewDisposeScope();

        // Copy the batch into the reused input tensors (the engine under test copies into its bound buffers too).
        // Tensor.bytes is a view of the CPU tensor's storage, so this is one memcpy (about 0.03 ms for a batch).
        // Do not use x.data<float>().CopyFrom(...): TensorAccessor copies element by element, 1.3–5 ms a batch,
        // which would be charged to libtorch and halve its measured throughput.
        MemoryMarshal.AsBytes(x.AsSpan(0, rows * _inputSize)).CopyTo(_x.bytes);
        MemoryMarshal.AsBytes(q.AsSpan(0, rows * _classes)).CopyTo(_q.bytes);
        var xb = rows == _x.shape[0] ? _x : _x.narrow(0, 0, rows);
        var qb = rows == _q.shape[0] ? _q : _q.narrow(0, 0, rows);

        _adam.zero_grad();
        var logits = _model.forward(xb);
        var loss = -(qb * nn.functional.log_softmax(logits, 1)).sum(1).mean();
        loss.backward();
        _adam.step();
        return loss.item<float>();
    }

    /// <summary>The Adam hyper-parameters as the optimizer holds them (to check that none fell back to a default).</summary>
    public string DescribeOptimizer() => TorchSharpAdam.Describe(_adam);

    public void Dispose()
    {
        _x?.Dispose();
        _q?.Dispose();
        _adam?.Dispose();
        _model?.Dispose();
        _x = _q = null;
        _adam = null;
        _model = null;
    }
}

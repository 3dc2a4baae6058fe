using MLNet.SoftTargets.Graphs.Blocks;
using MLNet.SoftTargets.Engine;

namespace MLNet.SoftTargets.TrainStep;

/// <summary>
/// Our training step: the whole step (forward, soft-target cross-entropy, reverse-mode gradients, Adam) as one
/// ONNX graph run by ONNX Runtime's CPU provider through <see cref="TrainStepRunner"/> (state in OrtValues,
/// alternating IO bindings, batch copied into pinned buffers).
/// </summary>
public sealed class OnnxGraphContestant : ITrainStepContestant
{
    private TrainStepRunner? _runner;
    private int _inputSize;
    private int _classes;

    public string Name => "MLNet.SoftTargets (ONNX Runtime 1.31 CPU)";

    public void Setup(int inputSize, int hidden, int classes, int batch, int seed)
    {
        _inputSize = inputSize;
        _classes = classes;
        var network = new ClassifierNetwork(new ClassifierHead(inputSize, classes, [hidden], cosineScale: null));
        var optimizer = new AdamBlock(TrainStepJob.Beta1, TrainStepJob.Beta2, TrainStepJob.Epsilon, weightDecay: 0, decoupledWeightDecay: false);
        var graph = TrainStepGraph.Build(network, optimizer, lossTemperature: 1, withWeights: false);
        var (options, _) = ExecutionProviders.Create(TrainingDevice.Cpu, TrainStepJob.Threads, log: null);
        using (options)
            _runner = new TrainStepRunner(graph, network.Initialize(seed), batch, inputSize, classes, options);
    }

    public float Step(float[] x, float[] q, int rows)
    {
        var runner = _runner ?? throw new InvalidOperationException("Setup first.");
        x.AsSpan(0, rows * _inputSize).CopyTo(runner.Features);
        q.AsSpan(0, rows * _classes).CopyTo(runner.Targets);
        return runner.Step(rows, (float)TrainStepJob.LearningRate);
    }

    public void Dispose() => _runner?.Dispose();
}

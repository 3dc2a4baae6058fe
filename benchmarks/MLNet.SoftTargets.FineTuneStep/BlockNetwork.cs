using Microsoft.ML.OnnxRuntime;
using MLNet.SoftTargets.Backbones;
using MLNet.SoftTargets.Engine;
using MLNet.SoftTargets.Graphs.Blocks;

namespace MLNet.SoftTargets.FineTuneStep;

/// <summary>
/// Our network for the job, built exactly as the trainer builds it for <c>BackboneOptions { ModelPath = ResNet18.onnx,
/// TrainableLayers = 2 }</c> with a linear head (Engine/TrainingRun.cs): <see cref="BackboneTop"/> cuts and imports the
/// backbone, <see cref="ClassifierNetwork"/> puts the head on it, <see cref="TrainStepGraph"/> is the step graph
/// (forward, loss, reverse-mode gradients, Adam) that <see cref="TrainStepRunner"/> runs.
/// </summary>
internal sealed class BlockNetwork
{
    public BlockNetwork(string modelPath)
    {
        Top = new BackboneTop(new BackboneSettings(File.ReadAllBytes(modelPath), OutputName: null, FineTuneJob.TrainableLayers));
        Network = new ClassifierNetwork(new ClassifierHead(Top.OutputSize, FineTuneJob.Classes, [], cosineScale: null), Top);
        var optimizer = new AdamBlock(FineTuneJob.Beta1, FineTuneJob.Beta2, FineTuneJob.Epsilon, weightDecay: 0, decoupledWeightDecay: false);
        Graph = TrainStepGraph.Build(Network, optimizer, lossTemperature: 1, withWeights: false);
        Initial = Network.Initialize(FineTuneJob.Seed);
    }

    public BackboneTop Top { get; }

    public ClassifierNetwork Network { get; }

    public TrainStepGraph Graph { get; }

    /// <summary>The initial parameters: the pretrained block tensors and the seeded head, by our names.</summary>
    public IReadOnlyDictionary<string, float[]> Initial { get; }

    /// <summary>A runner of our step on the CPU provider with <see cref="FineTuneJob.Threads"/> threads, optionally profiled.</summary>
    public TrainStepRunner CreateRunner(string? profilePrefix = null)
    {
        var (options, _) = ExecutionProviders.Create(TrainingDevice.Cpu, FineTuneJob.Threads, log: null);
        using (options)
        {
            if (profilePrefix is not null)
            {
                // The prefix first: the EnableProfiling setter hands the current prefix to ONNX Runtime.
                options.ProfileOutputPathPrefix = profilePrefix;
                options.EnableProfiling = true;
            }
            return new TrainStepRunner(Graph, Initial, FineTuneJob.Batch, Network.InputSize, FineTuneJob.Classes, options);
        }
    }

    /// <summary>The frozen part of ResNet18 (input → cut), the bottleneck cache's featurizer.</summary>
    public BackboneTop.Featurizer CreateFeaturizer()
    {
        var (options, _) = ExecutionProviders.Create(TrainingDevice.Cpu, FineTuneJob.Threads, log: null);
        using (options)
            return new BackboneTop.Featurizer(Top, options);
    }
}

/// <summary>Our contestant: the library's training step (<see cref="TrainStepRunner"/> over <see cref="TrainStepGraph"/>).</summary>
internal sealed class OnnxBlockContestant(BlockNetwork network) : TrainStep.ITrainStep
{
    private readonly TrainStepRunner _runner = network.CreateRunner();
    private readonly int _inputSize = network.Network.InputSize;

    public string Name => "MLNet.SoftTargets (ONNX Runtime 1.31 CPU)";

    public float Step(float[] x, float[] q, int rows)
    {
        x.AsSpan(0, rows * _inputSize).CopyTo(_runner.Features);
        q.AsSpan(0, rows * FineTuneJob.Classes).CopyTo(_runner.Targets);
        return _runner.Step(rows, (float)FineTuneJob.LearningRate);
    }

    /// <summary>The current parameters by our names.</summary>
    public IReadOnlyDictionary<string, float[]> Parameters() => _runner.ReadParameters();

    public void Dispose() => _runner.Dispose();
}

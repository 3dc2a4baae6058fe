using Microsoft.ML.OnnxRuntime;
using MLNet.SoftTargets.Graphs.Blocks;

namespace MLNet.SoftTargets.Engine;

/// <summary>
/// One ONNX Runtime session of a network's loss-and-gradient graph (<see cref="LossGradientGraph"/>) and the run options
/// of its calls; owns both. Every <see cref="FullBatchObjective"/> of a run borrows it (the objectives of a
/// regularisation path differ only in the rows and parameters they bind), so the graph is compiled once per run.
/// </summary>
internal sealed class LossGradientSession : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();

    public LossGradientSession(ClassifierNetwork network, LossSettings loss, SessionOptions options)
    {
        Network = network;
        Loss = loss;
        _session = new InferenceSession(LossGradientGraph.Build(network, loss.Temperature, loss.ExampleWeights), options);
    }

    /// <summary>The network whose graph this is.</summary>
    public ClassifierNetwork Network { get; }

    /// <summary>The loss the graph computes.</summary>
    public LossSettings Loss { get; }

    /// <summary>Runs the graph on bound inputs into bound outputs (both kept alive by the caller for the call).</summary>
    public void Run(string[] inputNames, OrtValue[] inputs, string[] outputNames, OrtValue[] outputs) =>
        _session.Run(_runOptions, inputNames, inputs, outputNames, outputs);

    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
    }
}

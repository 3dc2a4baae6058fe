using Microsoft.ML.OnnxRuntime;
using MLNet.SoftTargets.Backbones;
using MLNet.SoftTargets.Graphs.Blocks;

namespace MLNet.SoftTargets.Engine;

/// <summary>
/// Log-loss and accuracy of the current parameters on validation data (against the hard labels; rows with a missing
/// label are skipped). The validation set is read once; the logits graph takes the parameters as inputs.
/// </summary>
internal sealed class ValidationEvaluator : IDisposable
{
    private const int Batch = 1024;
    private readonly InferenceSession _session;
    private readonly ClassifierNetwork _network;
    private readonly RowStore _features;
    private readonly List<int> _labels = [];

    /// <param name="examples">The validation examples with one-hot targets (the label's class).</param>
    /// <param name="network">The network being trained.</param>
    /// <param name="options">Session options of the run.</param>
    /// <param name="featurizer">With a backbone: the frozen part, run once over the validation set, chunk by chunk as
    /// it is read (no raw copy of the set is kept).</param>
    /// <param name="cancellation">Checked after every chunk (and inside the backbone's runs).</param>
    /// <exception cref="InvalidOperationException">No example has a label.</exception>
    public ValidationEvaluator(IExampleSource examples, ClassifierNetwork network, SessionOptions options, BackboneTop.Featurizer? featurizer = null,
        CancellationToken cancellation = default)
    {
        _network = network;
        // With a backbone the logits graph starts at the cut: the frozen part runs on each chunk as it is read.
        (_features, _) = RowStore.Read(examples, featurizer, keepTargets: false, cancellation, q => _labels.Add(q.IndexOf(1f)));
        if (_labels.Count == 0)
            throw new InvalidOperationException($"{examples.Description} has no rows with a label.");
        _session = new InferenceSession(InferenceGraph.BuildLogits(network), options);
    }

    /// <summary>Mean negative log-likelihood and accuracy of <paramref name="parameters"/>.</summary>
    public (double LogLoss, double Accuracy) Evaluate(IReadOnlyDictionary<string, float[]> parameters)
    {
        int d = _network.InputSize, k = _network.ClassCount;
        var parameterValues = _network.Parameters.Select(p => (p.Name, Value: OrtValue.CreateTensorValueFromMemory(parameters[p.Name], p.Shape))).ToList();
        double logLoss = 0;
        long correct = 0;
        try
        {
            using var runOptions = new RunOptions();
            var names = parameterValues.Select(p => p.Name).Prepend(InferenceGraph.Features).ToArray();
            int first = 0;
            foreach (var part in _features.All)
            {
                for (int start = 0; start < part.Count; start += Batch)
                {
                    int rows = Math.Min(Batch, part.Count - start);
                    using var x = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, AsWritable(part.Features.Slice(start * d, rows * d)), [rows, d]);
                    var values = parameterValues.Select(p => p.Value).Prepend(x).ToArray();
                    using var outputs = _session.Run(runOptions, names, values, [InferenceGraph.Logits]);
                    var logits = outputs[0].GetTensorDataAsSpan<float>();
                    for (int r = 0; r < rows; r++)
                    {
                        var row = logits.Slice(r * k, k);
                        int label = _labels[first + start + r];
                        int best = 0;
                        for (int c = 1; c < k; c++)
                        {
                            if (row[c] > row[best])
                                best = c;
                        }
                        logLoss += SoftTargetKernels.LogSumExp<float>(row) - row[label];
                        if (best == label)
                            correct++;
                    }
                }
                first += part.Count;
            }
        }
        finally
        {
            foreach (var (_, value) in parameterValues)
                value.Dispose();
        }
        return (logLoss / _labels.Count, correct / (double)_labels.Count);
    }

    public void Dispose() => _session.Dispose();

    // ONNX Runtime only reads these inputs; its API takes Memory<T>.
    private static Memory<float> AsWritable(ReadOnlyMemory<float> memory) => System.Runtime.InteropServices.MemoryMarshal.AsMemory(memory);
}

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
    private readonly float[] _features;
    private readonly int[] _labels;

    /// <param name="examples">The validation examples with one-hot targets (the label's class).</param>
    /// <param name="network">The network being trained.</param>
    /// <param name="options">Session options of the run.</param>
    /// <param name="featurizer">With a backbone: the frozen part, run once over the validation set.</param>
    /// <exception cref="InvalidOperationException">No example has a label.</exception>
    public ValidationEvaluator(IExampleSource examples, ClassifierNetwork network, SessionOptions options, BackboneTop.Featurizer? featurizer = null)
    {
        _network = network;
        int d = examples.FeatureCount;
        var features = new List<float>();
        var labels = new List<int>();
        var x = new float[d];
        var q = new float[examples.ClassCount];
        using (var pass = examples.Open(null))
        {
            while (pass.TryRead(x, q, out _))
            {
                features.AddRange(x);
                labels.Add(Array.IndexOf(q, 1f));
            }
        }
        if (labels.Count == 0)
            throw new InvalidOperationException($"{examples.Description} has no rows with a label.");
        _features = [.. features];
        if (featurizer is not null)
        {
            // The logits graph starts at the backbone's cut: run the frozen part once.
            var cut = new float[labels.Count * featurizer.OutputSize];
            const int chunk = 32;
            for (int start = 0; start < labels.Count; start += chunk)
            {
                int rows = Math.Min(chunk, labels.Count - start);
                featurizer.Run(_features.AsSpan(start * d, rows * d).ToArray(), rows, cut.AsSpan(start * featurizer.OutputSize, rows * featurizer.OutputSize));
            }
            _features = cut;
        }
        _labels = [.. labels];
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
            for (int start = 0; start < _labels.Length; start += Batch)
            {
                int rows = Math.Min(Batch, _labels.Length - start);
                using var x = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _features.AsMemory(start * d, rows * d), [rows, d]);
                var names = parameterValues.Select(p => p.Name).Prepend(InferenceGraph.Features).ToArray();
                var values = parameterValues.Select(p => p.Value).Prepend(x).ToArray();
                using var outputs = _session.Run(runOptions, names, values, [InferenceGraph.Logits]);
                var logits = outputs[0].GetTensorDataAsSpan<float>();
                for (int r = 0; r < rows; r++)
                {
                    var row = logits.Slice(r * k, k);
                    int label = _labels[start + r];
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
        }
        finally
        {
            foreach (var (_, value) in parameterValues)
                value.Dispose();
        }
        return (logLoss / _labels.Length, correct / (double)_labels.Length);
    }

    public void Dispose() => _session.Dispose();
}

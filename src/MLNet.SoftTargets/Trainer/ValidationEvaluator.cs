using Microsoft.ML;
using Microsoft.ML.OnnxRuntime;
using MLNet.SoftTargets.Graphs.Blocks;
using MLNet.SoftTargets.Training;

namespace MLNet.SoftTargets;

/// <summary>
/// Log-loss and accuracy of the current parameters on validation data (against the hard labels; rows with a missing
/// label are skipped). The validation set is read once; the logits graph takes the parameters as inputs.
/// </summary>
internal sealed class ValidationEvaluator : IDisposable
{
    private const int Batch = 1024;
    private readonly InferenceSession _session;
    private readonly ClassifierHead _head;
    private readonly float[] _features;
    private readonly int[] _labels;

    public ValidationEvaluator(IDataView data, TrainingSchema schema, ClassifierHead head, SessionOptions options, Backbones.BackboneTop.Featurizer? featurizer = null)
    {
        _head = head;
        int d = schema.FeatureCount;
        var features = new List<float>();
        var labels = new List<int>();
        var x = new float[d];
        var q = new float[schema.ClassCount];
        // Hard labels only: read features through the same validation, with the one-hot of the label as the target.
        var hard = schema.Options with { SoftTargetColumnName = null, ExampleWeightColumnName = null };
        var validationSchema = TrainingSchema.Create(data.Schema, hard, "validation data");
        using var cursor = data.GetRowCursor(ExampleReader.Columns(data.Schema, hard));
        var reader = new ExampleReader(cursor, validationSchema);
        while (cursor.MoveNext())
        {
            if (!reader.Read(x, q, out _))
                continue;
            features.AddRange(x);
            labels.Add(Array.IndexOf(q, 1f));
        }
        if (labels.Count == 0)
            throw new InvalidOperationException($"The validation data has no rows with a label in column '{schema.Options.LabelColumnName}'.");
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
        _session = new InferenceSession(InferenceGraph.BuildLogits(head), options);
    }

    /// <summary>Mean negative log-likelihood and accuracy of <paramref name="parameters"/>.</summary>
    public (double LogLoss, double Accuracy) Evaluate(IReadOnlyDictionary<string, float[]> parameters)
    {
        int d = _head.InputSize, k = _head.ClassCount;
        var shapes = _head.CreateParameters(new Random(0)).ToDictionary(p => p.Name, p => p.Shape);
        var parameterValues = parameters.Select(p => (p.Key, Value: OrtValue.CreateTensorValueFromMemory(p.Value, shapes[p.Key]))).ToList();
        double logLoss = 0;
        long correct = 0;
        try
        {
            using var runOptions = new RunOptions();
            for (int start = 0; start < _labels.Length; start += Batch)
            {
                int rows = Math.Min(Batch, _labels.Length - start);
                using var x = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _features.AsMemory(start * d, rows * d), [rows, d]);
                var names = parameterValues.Select(p => p.Key).Prepend(InferenceGraph.Features).ToArray();
                var values = parameterValues.Select(p => p.Value).Prepend(x).ToArray();
                using var outputs = _session.Run(runOptions, names, values, [InferenceGraph.Logits]);
                var logits = outputs[0].GetTensorDataAsSpan<float>();
                for (int r = 0; r < rows; r++)
                {
                    var row = logits.Slice(r * k, k);
                    int label = _labels[start + r];
                    double max = double.NegativeInfinity;
                    int best = 0;
                    for (int c = 0; c < k; c++)
                    {
                        if (row[c] > max)
                        {
                            max = row[c];
                            best = c;
                        }
                    }
                    double sum = 0;
                    for (int c = 0; c < k; c++)
                        sum += Math.Exp(row[c] - max);
                    logLoss += Math.Log(sum) + max - row[label];
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

using Microsoft.ML.OnnxRuntime;
using MLNet.SoftTargets;

namespace MLNet.SoftTargets.ScoringBenchmark;

/// <summary>
/// A diagnostic peer for the MLP: our model's own inference graph (<c>ExportOnnx</c>: <c>Features</c> [N, D] →
/// <c>Score</c> [N, K]) run directly by ONNX Runtime, all N rows in one <c>Run</c>, with the library's CPU session settings
/// (sequential, all graph optimisations, <c>nproc</c> intra-op threads). Input and output are the managed arrays
/// themselves, bound once (no copies); the row path binds a [1, D] buffer and runs once a row. It separates ONNX
/// Runtime's arithmetic from the cursor, block and ML.NET costs of ours in memory.
/// </summary>
internal sealed class OnnxRuntimeContestant : IScoringContestant
{
    private readonly SessionOptions _options;
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly List<IDisposable> _owned = [];
    private readonly OrtIoBinding _batch;
    private readonly OrtIoBinding _row;
    private readonly float[] _x;
    private readonly float[] _rowInput;
    private readonly float[] _rowOutput;
    private readonly float[] _probabilities;
    private readonly int _features;

    /// <summary>A session over <paramref name="model"/>'s exported graph, bound to <paramref name="data"/>'s scoring rows.</summary>
    public OnnxRuntimeContestant(SoftTargetCrossEntropyModel model, ScoringData data)
    {
        using var graph = new MemoryStream();
        model.ExportOnnx(graph);
        _options = new SessionOptions
        {
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = Environment.ProcessorCount,
            InterOpNumThreads = 1,
        };
        _session = new InferenceSession(graph.ToArray(), _options);
        _features = data.Features;
        _x = data.ScoreX;
        _probabilities = new float[data.Rows * data.Classes];
        _rowInput = new float[data.Features];
        _rowOutput = new float[data.Classes];
        _batch = Bind(_x, data.Rows, _probabilities, data.Classes);
        _row = Bind(_rowInput, 1, _rowOutput, data.Classes);
    }

    /// <inheritdoc/>
    public string Key => ContestantKeys.OnnxRuntime;

    /// <inheritdoc/>
    public string Name => "ORT, exported graph";

    /// <inheritdoc/>
    public bool HasRowPath => true;

    /// <inheritdoc/>
    public void ScoreBatch(ScoreSink? sink)
    {
        _session.RunWithBinding(_runOptions, _batch);
        if (sink is null)
            return;
        _probabilities.CopyTo(sink.Scores, 0);
        for (int r = 0; r < sink.Labels.Length; r++)
            sink.Labels[r] = TorchSharpScoringContestant.ArgMax(sink.Row(r));
    }

    /// <inheritdoc/>
    public void ScoreRows(ScoreSink? sink)
    {
        int rows = _x.Length / _features;
        for (int r = 0; r < rows; r++)
        {
            _x.AsSpan(r * _features, _features).CopyTo(_rowInput);
            _session.RunWithBinding(_runOptions, _row);
            if (sink is not null)
            {
                _rowOutput.CopyTo(sink.Row(r));
                sink.Labels[r] = TorchSharpScoringContestant.ArgMax(_rowOutput);
            }
        }
    }

    /// <summary>Frees the bindings, their tensors, the session and its options.</summary>
    public void Dispose()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
            owned.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
        _options.Dispose();
    }

    /// <summary>Binds <paramref name="input"/> ([rows, D]) and <paramref name="output"/> ([rows, K]) to the session once; the tensors and the binding are disposed with this contestant.</summary>
    private OrtIoBinding Bind(float[] input, int rows, float[] output, int classes)
    {
        var x = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, input.AsMemory(), [rows, input.Length / rows]);
        var y = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, output.AsMemory(), [rows, classes]);
        var binding = _session.CreateIoBinding();
        binding.BindInput("Features", x);
        binding.BindOutput("Score", y);
        _owned.AddRange([x, y, binding]);
        return binding;
    }
}

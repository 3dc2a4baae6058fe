using System.Runtime.InteropServices;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNet.SoftTargets.ScoringBenchmark;

/// <summary>
/// The MLP of our trained model in TorchSharp-cpu (libtorch): <c>Linear(D, H)</c>, ReLU, <c>Linear(H, K)</c>, softmax,
/// with our parameters copied in (ours are <c>[in, out]</c> row-major, torch's <c>Linear.weight</c> is <c>[out, in]</c>).
/// The batch goes from the managed <c>float[]</c> of all N rows (one memcpy into a tensor made once) through one
/// forward to the managed <c>[N, K]</c> probability array (one memcpy out); the row path does the same with a
/// <c>[1, D]</c> tensor, one forward per row.
/// </summary>
internal sealed class TorchSharpScoringContestant : IScoringContestant
{
    private readonly Sequential _net;
    private readonly float[] _x;
    private readonly int _features;
    private readonly int _classes;
    private readonly Tensor _batch;
    private readonly Tensor _row;
    private readonly float[] _probabilities;

    /// <summary>The network of <paramref name="parameters"/> (<c>layer0.*</c>, <c>layer1.*</c>) over <paramref name="data"/>'s rows.</summary>
    public TorchSharpScoringContestant(IReadOnlyDictionary<string, float[]> parameters, ScoringData data, int hidden)
    {
        _features = data.Features;
        _classes = data.Classes;
        _x = data.ScoreX;
        var fc1 = nn.Linear(_features, hidden);
        var fc2 = nn.Linear(hidden, _classes);
        using (torch.no_grad())
        {
            Copy(fc1, parameters["layer0.weight"], parameters["layer0.bias"], _features, hidden);
            Copy(fc2, parameters["layer1.weight"], parameters["layer1.bias"], hidden, _classes);
        }
        _net = nn.Sequential(("fc1", fc1), ("relu", nn.ReLU()), ("fc2", fc2));
        _net.eval();
        _batch = torch.zeros(data.Rows, _features, dtype: ScalarType.Float32);
        _row = torch.zeros(1, _features, dtype: ScalarType.Float32);
        _probabilities = new float[data.Rows * _classes];
    }

    /// <summary>
    /// libtorch's intra-op threads for the row path: one, like our PredictionEngine row. A [1, D] row is too small to
    /// split, and with two threads every op waits for the second one to be scheduled on a shared machine.
    /// </summary>
    /// <remarks>Measured with 2 threads at load average 3.7: 26–630 µs a row, against a steady 33–38 µs with one.</remarks>
    public const int RowThreads = 1;

    /// <summary>The library's version line for the report.</summary>
    public static string Version =>
        $"TorchSharp-cpu {typeof(torch).Assembly.GetName().Version?.ToString(3)}; torch threads = {torch.get_num_threads()} for the batch, {RowThreads} for the row path";

    /// <inheritdoc/>
    public string Key => ContestantKeys.TorchSharp;

    /// <inheritdoc/>
    public string Name => "TorchSharp";

    /// <inheritdoc/>
    public bool HasRowPath => true;

    /// <inheritdoc/>
    public void ScoreBatch(ScoreSink? sink)
    {
        using (torch.no_grad())
        using (torch.NewDisposeScope())
        {
            MemoryMarshal.AsBytes(_x.AsSpan()).CopyTo(_batch.bytes);
            var p = nn.functional.softmax(_net.forward(_batch), 1).contiguous();
            MemoryMarshal.Cast<byte, float>(p.bytes).CopyTo(_probabilities);
        }
        if (sink is not null)
        {
            _probabilities.CopyTo(sink.Scores, 0);
            for (int r = 0; r < sink.Labels.Length; r++)
                sink.Labels[r] = ArgMax(sink.Row(r));
        }
    }

    /// <inheritdoc/>
    public void ScoreRows(ScoreSink? sink)
    {
        int threads = torch.get_num_threads();
        torch.set_num_threads(RowThreads);
        try
        {
            ForwardEachRow(sink);
        }
        finally
        {
            torch.set_num_threads(threads);
        }
    }

    /// <summary>One <c>forward</c> of a [1, D] tensor per row; see <see cref="ScoreRows"/>.</summary>
    private void ForwardEachRow(ScoreSink? sink)
    {
        var rowBytes = _row.bytes;
        int rows = _x.Length / _features;
        using var noGrad = torch.no_grad();
        for (int r = 0; r < rows; r++)
        {
            using var scope = torch.NewDisposeScope();
            MemoryMarshal.AsBytes(_x.AsSpan(r * _features, _features)).CopyTo(rowBytes);
            var p = nn.functional.softmax(_net.forward(_row), 1);
            var target = _probabilities.AsSpan(r * _classes, _classes);
            MemoryMarshal.Cast<byte, float>(p.bytes).CopyTo(target);
            if (sink is not null)
            {
                target.CopyTo(sink.Row(r));
                sink.Labels[r] = ArgMax(target);
            }
        }
    }

    /// <summary>Frees the tensors and the network.</summary>
    public void Dispose()
    {
        _batch.Dispose();
        _row.Dispose();
        _net.Dispose();
    }

    /// <summary>
    /// The index of the first largest value. Not <c>TensorPrimitives.IndexOfMax</c>: after our trainer's first ONNX Runtime
    /// session the thread runs with denormals flushed to zero, and IndexOfMax then returns 0 for most rows (see README).
    /// </summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int k = 1; k < values.Length; k++)
        {
            if (values[k] > values[best])
                best = k;
        }
        return best;
    }

    /// <summary>Copies our [in, out] weight (transposed) and bias into <paramref name="layer"/>.</summary>
    private static void Copy(Linear layer, float[] weight, float[] bias, int inputs, int outputs)
    {
        using var w = torch.tensor(weight, [inputs, outputs]);
        using var b = torch.tensor(bias, [outputs]);
        layer.weight!.copy_(w.t());
        layer.bias!.copy_(b);
    }
}

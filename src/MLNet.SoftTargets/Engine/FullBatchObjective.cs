using Microsoft.ML.OnnxRuntime;
using MLNet.SoftTargets.Graphs.Blocks;

namespace MLNet.SoftTargets.Engine;

/// <summary>
/// The full-batch objective of a network on cached examples, for L-BFGS:
/// <c>f(θ) = (1/Σw) Σ_n w_n CE(q_n, softmax(z_n(θ)/T)) + (λ/2) Σ ‖W‖²</c> (λ on the weight matrices, not the biases)
/// and its gradient. The loss-and-gradient graph (<see cref="LossGradientGraph"/>) runs over chunks of rows; chunk
/// results are weighted by the chunk's Σw and summed in double precision. Borrows the run's <see cref="LossGradientSession"/>;
/// owns every tensor it binds.
/// </summary>
internal sealed class FullBatchObjective : IDisposable
{
    private const int ChunkRows = 8192;
    private readonly ClassifierNetwork _network;
    private readonly LossGradientSession _session;
    private readonly float[][] _parameters;
    private readonly float[][] _gradients;
    private readonly float[] _loss = new float[1];
    private readonly List<OrtValue> _owned = [];
    private readonly OrtValue[] _parameterValues;
    private readonly OrtValue[] _outputValues;
    private readonly (OrtValue[] Inputs, double Weight)[] _chunks;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly bool[] _regularised;
    private readonly double _totalWeight;

    public FullBatchObjective(LossGradientSession session, CachedExamples data, double l2)
        : this(session, [data], l2)
    {
    }

    /// <summary>The objective over the rows of every part of <paramref name="parts"/> together.</summary>
    public FullBatchObjective(LossGradientSession session, IReadOnlyList<CachedExamples> parts, double l2)
    {
        var network = session.Network;
        var loss = session.Loss;
        _network = network;
        _session = session;
        L2 = l2;
        var parameters = network.Parameters;
        _parameters = parameters.Select(p => new float[p.Length]).ToArray();
        _gradients = parameters.Select(p => new float[p.Length]).ToArray();
        _regularised = parameters.Select(p => p.Shape.Length == 2).ToArray();
        _parameterValues = parameters.Select((p, i) => Own(OrtValue.CreateTensorValueFromMemory(_parameters[i], p.Shape))).ToArray();
        _outputValues = [Own(OrtValue.CreateTensorValueFromMemory(_loss, [])), .. parameters.Select((p, i) => Own(OrtValue.CreateTensorValueFromMemory(_gradients[i], p.Shape)))];
        _inputNames = [TrainStepGraph.Features, TrainStepGraph.Targets, .. loss.ExampleWeights ? new[] { TrainStepGraph.Weights } : [], .. parameters.Select(p => p.Name)];
        _outputNames = [LossGradientGraph.Loss, .. parameters.Select(p => LossGradientGraph.GradientName(p.Name))];

        var chunks = new List<(OrtValue[], double)>();
        foreach (var data in parts)
        {
            int n = data.Count, d = data.FeatureSize, k = network.ClassCount;
            var weights = data.Weights;
            for (int start = 0; start < n; start += ChunkRows)
            {
                int rows = Math.Min(ChunkRows, n - start);
                var inputs = new List<OrtValue>
                {
                    Own(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, AsWritable(data.Features.Slice(start * d, rows * d)), [rows, d])),
                    Own(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, AsWritable(data.Targets.Slice(start * k, rows * k)), [rows, k])),
                };
                if (loss.ExampleWeights)
                    inputs.Add(Own(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, AsWritable(weights.Slice(start, rows)), [rows])));
                double weight = 0;
                foreach (var w in weights.Span.Slice(start, rows))
                    weight += w;
                chunks.Add(([.. inputs, .. _parameterValues], weight));
            }
        }
        _chunks = [.. chunks];
        _totalWeight = _chunks.Sum(c => c.Weight);
        Dimension = _parameters.Sum(p => p.Length);
    }

    /// <summary>Values in the flattened parameter vector (in <see cref="ClassifierNetwork.Parameters"/> order).</summary>
    public int Dimension { get; }

    /// <summary>λ of the L2 term.</summary>
    public double L2 { get; set; }

    /// <summary>Σw of the training examples.</summary>
    public double TotalWeight => _totalWeight;

    /// <summary>Function evaluations so far.</summary>
    public long Evaluations { get; private set; }

    /// <summary>f(θ) and ∇f(θ) into <paramref name="gradient"/>.</summary>
    public double Evaluate(ReadOnlySpan<double> theta, Span<double> gradient)
    {
        Unflatten(theta);
        gradient.Clear();
        double loss = 0;
        foreach (var (inputs, weight) in _chunks)
        {
            if (weight == 0)
                continue;
            _session.Run(_inputNames, inputs, _outputNames, _outputValues);
            loss += weight * _loss[0];
            int offset = 0;
            foreach (var g in _gradients)
            {
                for (int i = 0; i < g.Length; i++)
                    gradient[offset + i] += weight * g[i];
                offset += g.Length;
            }
        }
        double scale = 1 / Math.Max(_totalWeight, 1e-30);
        loss *= scale;
        int at = 0;
        for (int p = 0; p < _parameters.Length; p++)
        {
            for (int i = 0; i < _parameters[p].Length; i++, at++)
            {
                gradient[at] *= scale;
                if (_regularised[p])
                {
                    double v = theta[at];
                    loss += 0.5 * L2 * v * v;
                    gradient[at] += L2 * v;
                }
            }
        }
        Evaluations++;
        return loss;
    }

    /// <summary>The flattened vector of <paramref name="parameters"/>.</summary>
    public double[] Flatten(IReadOnlyDictionary<string, float[]> parameters)
    {
        var theta = new double[Dimension];
        int at = 0;
        foreach (var p in _network.Parameters)
        {
            foreach (var v in parameters[p.Name])
                theta[at++] = v;
        }
        return theta;
    }

    /// <summary>The parameters of a flattened vector, by name.</summary>
    public Dictionary<string, float[]> ToParameters(ReadOnlySpan<double> theta)
    {
        var result = new Dictionary<string, float[]>();
        int at = 0;
        foreach (var p in _network.Parameters)
        {
            var values = new float[p.Length];
            for (int i = 0; i < values.Length; i++)
                values[i] = (float)theta[at++];
            result[p.Name] = values;
        }
        return result;
    }

    public void Dispose()
    {
        foreach (var value in _owned)
            value.Dispose();
    }

    private void Unflatten(ReadOnlySpan<double> theta)
    {
        int at = 0;
        foreach (var p in _parameters)
        {
            for (int i = 0; i < p.Length; i++)
                p[i] = (float)theta[at++];
        }
    }

    private OrtValue Own(OrtValue value)
    {
        _owned.Add(value);
        return value;
    }

    // ONNX Runtime only reads these inputs; its API takes Memory<T>.
    private static Memory<float> AsWritable(ReadOnlyMemory<float> memory) => System.Runtime.InteropServices.MemoryMarshal.AsMemory(memory);
}

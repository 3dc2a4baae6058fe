using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MLNet.SoftTargets.Graphs.Blocks;

namespace MLNet.SoftTargets.Engine;

/// <summary>
/// Runs a <see cref="TrainStepGraph"/> step after step with ONNX Runtime's inference API. Parameters and optimizer
/// state live in runtime-owned <see cref="OrtValue"/>s in two sets, A and B; two IO bindings, built once, read one
/// set and write the other (A→B, then B→A), so no state is copied to managed memory between steps. The batch
/// buffers (<see cref="Features"/>, <see cref="Targets"/>, <see cref="Weights"/>) are pinned managed arrays
/// that ONNX Runtime reads in place; the caller fills them before each <see cref="Step"/>.
/// </summary>
/// <remarks>
/// A partial last batch is bound through views of the same buffers with a smaller first dimension (bound outputs
/// must match the computed shapes exactly, and inputs the rows present). The state lives in CPU memory; with the
/// CUDA provider ONNX Runtime copies it to the device for each step (state resident on the GPU is future work).
/// Owns every native handle it creates; dispose it.
/// </remarks>
internal sealed class TrainStepRunner : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly TrainStepGraph _graph;
    private readonly OrtValue[] _setA;
    private readonly OrtValue[] _setB;
    private readonly OrtIoBinding _aToB;
    private readonly OrtIoBinding _bToA;
    private readonly float[] _features;
    private readonly float[] _targets;
    private readonly float[] _weights;
    private readonly float[] _teacherLogits;
    private readonly float[] _learningRate = new float[1];
    private readonly long[] _step = new long[1];
    private readonly float[] _loss = new float[1];
    private readonly List<OrtValue> _owned = [];
    private readonly Dictionary<int, OrtValue[]> _partialBatches = [];
    private readonly Dictionary<string, int> _stateIndex;
    private bool _stateInA = true;

    public TrainStepRunner(TrainStepGraph graph, IReadOnlyDictionary<string, float[]> initialParameters, int batchSize, int inputSize, int classCount, SessionOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _graph = graph;
        BatchSize = batchSize;
        InputSize = inputSize;
        ClassCount = classCount;
        _session = new InferenceSession(graph.Model, options);
        _stateIndex = graph.State.Select((s, i) => (s.Name, i)).ToDictionary(p => p.Name, p => p.i);

        _setA = graph.State.Select(s => Allocate(s.Shape)).ToArray();
        _setB = graph.State.Select(s => Allocate(s.Shape)).ToArray();
        for (int i = 0; i < graph.State.Count; i++)
        {
            var state = graph.State[i];
            var target = _setA[i].GetTensorMutableDataAsSpan<float>();
            if (state.IsParameter)
            {
                if (!initialParameters.TryGetValue(state.Name, out var values) || values.Length != state.Length)
                    throw new ArgumentException($"Parameter '{state.Name}' needs {state.Length} initial values.", nameof(initialParameters));
                values.CopyTo(target);
            }
            else
            {
                target.Clear();
            }
        }

        _features = new float[batchSize * inputSize];
        _targets = new float[batchSize * classCount];
        _weights = new float[batchSize];
        _teacherLogits = new float[graph.HasTeacher ? batchSize * classCount : 0];
        var batch = BatchValues(batchSize);
        var learningRate = Own(OrtValue.CreateTensorValueFromMemory(_learningRate, []));
        var step = Own(OrtValue.CreateTensorValueFromMemory(_step, []));
        var loss = Own(OrtValue.CreateTensorValueFromMemory(_loss, []));
        _aToB = Bind(_setA, _setB, batch, learningRate, step, loss);
        _bToA = Bind(_setB, _setA, batch, learningRate, step, loss);
    }

    public int BatchSize { get; }

    public int InputSize { get; }

    public int ClassCount { get; }

    /// <summary>Steps run so far; the next step is number <c>StepCount + 1</c> (Adam's bias correction uses it).</summary>
    public long StepCount { get; private set; }

    /// <summary>Row-major [BatchSize, InputSize] feature buffer read by the next step.</summary>
    public Span<float> Features => _features;

    /// <summary>Row-major [BatchSize, K] soft-target buffer; a row containing NaN is skipped by the loss.</summary>
    public Span<float> Targets => _targets;

    /// <summary>[BatchSize] example weights (used only when the graph has a weights input).</summary>
    public Span<float> Weights => _weights;

    /// <summary>The feature buffer itself (a teacher session reads it in place).</summary>
    internal float[] FeatureBuffer => _features;

    /// <summary>Row-major [BatchSize, K] teacher logits read by the next step (empty without a teacher).</summary>
    internal float[] TeacherLogitBuffer => _teacherLogits;

    /// <summary>Runs one step on the first <paramref name="rows"/> rows of the buffers and returns the batch loss.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rows"/> is not in 1..BatchSize.</exception>
    public float Step(int rows, float learningRate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rows, BatchSize);
        _learningRate[0] = learningRate;
        _step[0] = StepCount + 1;
        var binding = _stateInA ? _aToB : _bToA;
        if (rows != BatchSize)
            BindBatch(binding, BatchValues(rows));
        try
        {
            _session.RunWithBinding(_runOptions, binding);
        }
        finally
        {
            if (rows != BatchSize)
                BindBatch(binding, BatchValues(BatchSize));
        }
        _stateInA = !_stateInA;
        StepCount++;
        return _loss[0];
    }

    /// <summary>A copy of the current value of a state tensor (parameter or optimizer state).</summary>
    public float[] ReadState(string name) => Current(name).GetTensorDataAsSpan<float>().ToArray();

    /// <summary>Overwrites a state tensor (warm start, checkpoint resume).</summary>
    public void WriteState(string name, ReadOnlySpan<float> values, long stepCount = -1)
    {
        var target = Current(name).GetTensorMutableDataAsSpan<float>();
        if (values.Length != target.Length)
            throw new ArgumentException($"State '{name}' has {target.Length} values, got {values.Length}.", nameof(values));
        values.CopyTo(target);
        if (stepCount >= 0)
            StepCount = stepCount;
    }

    public IReadOnlyDictionary<string, float[]> ReadParameters() =>
        _graph.State.Where(s => s.IsParameter).ToDictionary(s => s.Name, s => ReadState(s.Name));

    public void Dispose()
    {
        _aToB.Dispose();
        _bToA.Dispose();
        foreach (var value in _setA.Concat(_setB).Concat(_owned).Concat(_partialBatches.Values.SelectMany(v => v)))
            value.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }

    private OrtValue Current(string name)
    {
        if (!_stateIndex.TryGetValue(name, out int index))
            throw new KeyNotFoundException($"No state tensor named '{name}'; known: {string.Join(", ", _stateIndex.Keys)}.");
        return (_stateInA ? _setA : _setB)[index];
    }

    private static OrtValue Allocate(long[] shape) =>
        OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float, shape);

    private OrtValue Own(OrtValue value)
    {
        _owned.Add(value);
        return value;
    }

    /// <summary>Features, targets, weights and teacher-logit tensors over the first <paramref name="rows"/> rows of the buffers.</summary>
    private OrtValue[] BatchValues(int rows)
    {
        if (_partialBatches.TryGetValue(rows, out var values))
            return values;
        values =
        [
            OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _features.AsMemory(0, rows * InputSize), [rows, InputSize]),
            OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _targets.AsMemory(0, rows * ClassCount), [rows, ClassCount]),
            OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _weights.AsMemory(0, rows), [rows]),
            OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _teacherLogits.AsMemory(0, _graph.HasTeacher ? rows * ClassCount : 0),
                [_graph.HasTeacher ? rows : 0, ClassCount]),
        ];
        _partialBatches[rows] = values;
        return values;
    }

    private void BindBatch(OrtIoBinding binding, OrtValue[] batch)
    {
        binding.BindInput(TrainStepGraph.Features, batch[0]);
        binding.BindInput(TrainStepGraph.Targets, batch[1]);
        if (_graph.HasWeights)
            binding.BindInput(TrainStepGraph.Weights, batch[2]);
        if (_graph.HasTeacher)
            binding.BindInput(TrainStepGraph.TeacherLogits, batch[3]);
    }

    private OrtIoBinding Bind(OrtValue[] from, OrtValue[] to, OrtValue[] batch, OrtValue learningRate, OrtValue step, OrtValue loss)
    {
        var binding = _session.CreateIoBinding();
        BindBatch(binding, batch);
        binding.BindInput(TrainStepGraph.LearningRate, learningRate);
        binding.BindInput(TrainStepGraph.Step, step);
        binding.BindOutput(TrainStepGraph.Loss, loss);
        for (int i = 0; i < _graph.State.Count; i++)
        {
            binding.BindInput(_graph.State[i].Name, from[i]);
            binding.BindOutput(TrainStepGraph.OutputName(_graph.State[i].Name), to[i]);
        }
        return binding;
    }
}

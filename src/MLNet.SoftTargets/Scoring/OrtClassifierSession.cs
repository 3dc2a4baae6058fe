using Microsoft.ML.OnnxRuntime;
using MLNet.SoftTargets.Engine;
using MLNet.SoftTargets.Graphs.Blocks;

namespace MLNet.SoftTargets.Scoring;

/// <summary>
/// A batched scoring graph (<c>Features</c> [N, D] → <c>Logits</c> [N, K], optionally <c>Embedding</c> [N, E]) in one
/// ONNX Runtime session on the CPU. The session is shared by every thread (ONNX Runtime's <c>Run</c> is thread-safe);
/// each consumer scores through its own <see cref="Block"/>, whose buffers are bound once.
/// </summary>
internal sealed class OrtClassifierSession : IDisposable
{
    private readonly SessionOptions _options;
    private readonly InferenceSession _session;

    /// <exception cref="InvalidOperationException">No native ONNX Runtime is in the application.</exception>
    public OrtClassifierSession(byte[] graph, int featureCount, int classCount, int embeddingSize, bool withEmbedding)
    {
        NativeRuntime.EnsureLoaded();
        FeatureCount = featureCount;
        ClassCount = classCount;
        EmbeddingSize = embeddingSize;
        WithEmbedding = withEmbedding;
        (_options, _) = ExecutionProviders.Create(TrainingDevice.Cpu, Environment.ProcessorCount, log: null, flushDenormals: false);
        try
        {
            _session = new InferenceSession(graph, _options);
        }
        catch
        {
            _options.Dispose();
            throw;
        }
    }

    public int FeatureCount { get; }

    public int ClassCount { get; }

    public int EmbeddingSize { get; }

    public bool WithEmbedding { get; }

    /// <summary>Buffers for up to <paramref name="capacity"/> rows, bound to this session.</summary>
    public Block CreateBlock(int capacity) => new(this, capacity);

    public void Dispose()
    {
        _session.Dispose();
        _options.Dispose();
    }

    /// <summary>
    /// One consumer's rows: write features into <see cref="Features"/>, call <see cref="Run"/>, read <see cref="Logits"/>
    /// and <see cref="Embedding"/>. The buffers are pinned managed arrays that ONNX Runtime reads and writes in place,
    /// through IO bindings made once per row count, so a run allocates nothing. Not thread-safe; owns its native objects.
    /// </summary>
    internal sealed class Block : IDisposable
    {
        private readonly OrtClassifierSession _owner;
        private readonly RunOptions _runOptions = new();
        private readonly Dictionary<int, (OrtIoBinding Binding, OrtValue[] Values)> _bindings = [];

        public Block(OrtClassifierSession owner, int capacity)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
            _owner = owner;
            Capacity = capacity;
            Features = new float[capacity * owner.FeatureCount];
            Logits = new float[capacity * owner.ClassCount];
            Embedding = owner.WithEmbedding ? new float[capacity * owner.EmbeddingSize] : [];
        }

        public int Capacity { get; }

        public float[] Features { get; }

        public float[] Logits { get; }

        public float[] Embedding { get; }

        /// <summary>Scores the first <paramref name="rows"/> rows of <see cref="Features"/>.</summary>
        public void Run(int rows)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(rows, Capacity);
            if (!_bindings.TryGetValue(rows, out var bound))
            {
                bound = Bind(rows);
                _bindings[rows] = bound;
            }
            _owner._session.RunWithBinding(_runOptions, bound.Binding);
        }

        public void Dispose()
        {
            foreach (var (binding, values) in _bindings.Values)
            {
                binding.Dispose();
                foreach (var value in values)
                    value.Dispose();
            }
            _bindings.Clear();
            _runOptions.Dispose();
        }

        private (OrtIoBinding, OrtValue[]) Bind(int rows)
        {
            var o = _owner;
            var values = new List<OrtValue>
            {
                OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, Features.AsMemory(0, rows * o.FeatureCount), [rows, o.FeatureCount]),
                OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, Logits.AsMemory(0, rows * o.ClassCount), [rows, o.ClassCount]),
            };
            if (o.WithEmbedding)
                values.Add(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, Embedding.AsMemory(0, rows * o.EmbeddingSize), [rows, o.EmbeddingSize]));
            var binding = o._session.CreateIoBinding();
            binding.BindInput(InferenceGraph.Features, values[0]);
            binding.BindOutput(InferenceGraph.Logits, values[1]);
            if (o.WithEmbedding)
                binding.BindOutput(InferenceGraph.Embedding, values[2]);
            return (binding, [.. values]);
        }
    }
}

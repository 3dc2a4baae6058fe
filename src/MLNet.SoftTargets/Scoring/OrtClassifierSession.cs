using Microsoft.ML.OnnxRuntime;
using MLNet.SoftTargets.Engine;
using MLNet.SoftTargets.Graphs.Blocks;

namespace MLNet.SoftTargets.Scoring;

/// <summary>
/// A batched scoring graph (<c>Features</c> [N, D] → <c>Logits</c> [N, K], optionally <c>Embedding</c> [N, E]) in one
/// ONNX Runtime session on the CPU. The session is shared by every thread (ONNX Runtime's <c>Run</c> is thread-safe);
/// each consumer scores through its own <see cref="Block"/>, whose buffers are bound once.
/// </summary>
/// <remarks>
/// Owns the session and its options. A block owns its run options, tensors and IO bindings, but the bindings belong to
/// this session, so <see cref="Dispose"/> first waits for the runs in flight, then releases the bindings of every block
/// still open, then the session: no native call ever sees a released object, and a block used afterwards throws
/// <see cref="ObjectDisposedException"/> naming the model.
/// </remarks>
internal sealed class OrtClassifierSession : IDisposable
{
    private readonly SessionOptions _options;
    private readonly InferenceSession _session;
    private readonly object _gate = new();
    private readonly HashSet<Block> _blocks = [];
    private int _runs;
    private int _disposed;

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
        SessionCounter.Count();
    }


    public int FeatureCount { get; }

    public int ClassCount { get; }

    public int EmbeddingSize { get; }

    public bool WithEmbedding { get; }

    /// <summary>Buffers for up to <paramref name="capacity"/> rows, bound to this session.</summary>
    /// <exception cref="ObjectDisposedException">The session was disposed.</exception>
    public Block CreateBlock(int capacity)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            var block = new Block(this, capacity);
            _blocks.Add(block);
            return block;
        }
    }

    /// <summary>Waits for the runs in flight, releases the bindings of the blocks still open, then the session (idempotent).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        // A run enters by incrementing _runs and then reading _disposed (both full fences), so after this wait no run is
        // in flight and none can start.
        SpinWait.SpinUntil(() => Volatile.Read(ref _runs) == 0);
        lock (_gate)
        {
            foreach (var block in _blocks)
                block.ReleaseNative();
            _blocks.Clear();
        }
        _session.Dispose();
        _options.Dispose();
    }

    internal ObjectDisposedException Disposed() => SessionSlot.ModelDisposed();

    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) != 0)
            throw Disposed();
    }

    private void EnterRun()
    {
        Interlocked.Increment(ref _runs);
        if (Volatile.Read(ref _disposed) != 0)
        {
            Interlocked.Decrement(ref _runs);
            throw Disposed();
        }
    }

    private void ExitRun() => Interlocked.Decrement(ref _runs);

    /// <summary>
    /// One consumer's rows: write features into <see cref="Features"/>, call <see cref="Run"/>, read <see cref="Logits"/>
    /// and <see cref="Embedding"/>. The buffers are pinned managed arrays that ONNX Runtime reads and writes in place,
    /// through IO bindings made once per row count, so a run allocates nothing. Not thread-safe; owns its native objects
    /// (its session releases the bindings first if it is disposed before the block).
    /// </summary>
    internal sealed class Block : IDisposable
    {
        private readonly OrtClassifierSession _owner;
        private readonly RunOptions _runOptions = new();
        private readonly Dictionary<int, (OrtIoBinding Binding, OrtValue[] Values)> _bindings = [];
        private bool _released;

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
        /// <exception cref="ObjectDisposedException">The session (its model) or the block was disposed.</exception>
        public void Run(int rows)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(rows, Capacity);
            _owner.EnterRun();
            try
            {
                if (_released)
                    throw _owner.Disposed();
                if (!_bindings.TryGetValue(rows, out var bound))
                {
                    bound = Bind(rows);
                    _bindings[rows] = bound;
                }
                _owner._session.RunWithBinding(_runOptions, bound.Binding);
            }
            finally
            {
                _owner.ExitRun();
            }
        }

        public void Dispose()
        {
            lock (_owner._gate)
            {
                _owner._blocks.Remove(this);
                ReleaseNative();
            }
        }

        /// <summary>Releases the bindings, tensors and run options (idempotent; under the session's lock).</summary>
        internal void ReleaseNative()
        {
            if (_released)
                return;
            _released = true;
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

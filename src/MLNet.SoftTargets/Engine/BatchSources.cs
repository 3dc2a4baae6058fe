using MLNet.SoftTargets.Backbones;

namespace MLNet.SoftTargets.Engine;

/// <summary>Where the training batches of an epoch come from: a cached copy of the examples or a stream of them.</summary>
internal abstract class BatchSource
{
    protected BatchSource(IExampleSource examples, BatchSettings settings)
    {
        Examples = examples;
        Settings = settings;
    }

    public IExampleSource Examples { get; }

    public BatchSettings Settings { get; }

    /// <summary>Examples read per epoch (missing rows excluded); null until known.</summary>
    public abstract long? ExampleCount { get; }

    /// <summary>Rows of one pass skipped because their label or soft target is missing.</summary>
    public long SkippedRows { get; protected set; }

    /// <summary>Starts epoch <paramref name="epoch"/> (from 0), skipping its first <paramref name="skipBatches"/> batches.</summary>
    public abstract EpochBatches StartEpoch(int epoch, int batchSize, long skipBatches);

    /// <summary>The seed of epoch <paramref name="epoch"/>'s shuffle: a pure function of the seed and the epoch, so a resumed run shuffles exactly as an uninterrupted one.</summary>
    protected int EpochSeed(int epoch) => unchecked(Settings.Seed * 1_000_003 + epoch * 7_919 + 17);
}

/// <summary>The batches of one epoch.</summary>
internal abstract class EpochBatches : IDisposable
{
    /// <summary>Fills the first rows of the buffers; returns the number of rows, 0 at the end of the epoch.</summary>
    public abstract int Next(Span<float> features, Span<float> targets, Span<float> weights);

    public virtual void Dispose()
    {
    }
}

/// <summary>
/// The whole training set read once into a <see cref="RowStore"/> (blocks, no copy of the whole set); each epoch is a
/// seeded permutation of it.
/// </summary>
internal sealed class CachedBatchSource : BatchSource
{
    private readonly RowStore _rows;

    /// <param name="examples">The training examples.</param>
    /// <param name="settings">Batching and shuffling.</param>
    /// <param name="featurizer">When set, each feature row is replaced by the frozen backbone's cut activations
    /// (the bottleneck cache), computed in chunks of rows.</param>
    /// <param name="cancellation">Checked after every chunk (and inside the backbone's runs).</param>
    public CachedBatchSource(IExampleSource examples, BatchSettings settings, BackboneTop.Featurizer? featurizer = null,
        CancellationToken cancellation = default)
        : base(examples, settings)
    {
        (_rows, long skipped) = RowStore.Read(examples, featurizer, keepTargets: true, cancellation);
        SkippedRows = skipped;
    }

    public override long? ExampleCount => _rows.Count;

    /// <summary>Values per cached feature row (the cut size with a backbone).</summary>
    public int FeatureSize => _rows.FeatureSize;

    /// <summary>The cached rows.</summary>
    public RowStore Rows => _rows;

    public override EpochBatches StartEpoch(int epoch, int batchSize, long skipBatches)
    {
        var order = Enumerable.Range(0, _rows.Count).ToArray();
        if (Settings.Shuffle)
            new Random(EpochSeed(epoch)).Shuffle(order);
        return new Batches(this, order, (int)Math.Min(_rows.Count, skipBatches * batchSize), batchSize);
    }

    private sealed class Batches(CachedBatchSource source, int[] order, int start, int batchSize) : EpochBatches
    {
        private int _next = start;

        public override int Next(Span<float> features, Span<float> targets, Span<float> weights)
        {
            var store = source._rows;
            int d = store.FeatureSize, k = store.TargetSize;
            int rows = Math.Min(batchSize, order.Length - _next);
            for (int r = 0; r < rows; r++)
            {
                int i = order[_next + r];
                store.Features(i).CopyTo(features.Slice(r * d, d));
                store.Targets(i).CopyTo(targets.Slice(r * k, k));
                weights[r] = store.Weight(i);
            }
            _next += rows;
            return rows;
        }
    }
}

/// <summary>
/// Streams every epoch from the example source through reused buffers (nothing is materialised). With shuffling, the
/// source is asked for a seeded random order when it can shuffle, and rows are drawn at random from a bounded buffer.
/// </summary>
internal sealed class StreamingBatchSource(IExampleSource examples, BatchSettings settings) : BatchSource(examples, settings)
{
    private long? _count;

    public override long? ExampleCount => _count;

    public override EpochBatches StartEpoch(int epoch, int batchSize, long skipBatches)
    {
        var random = new Random(EpochSeed(epoch));
        var pass = Examples.Open(Settings.Shuffle && Examples.CanShuffle ? new Random(random.Next()) : null);
        var batches = new Batches(this, pass, Settings.Shuffle ? Math.Max(1, Settings.ShuffleBufferSize) : 1, Settings.Shuffle ? random : null);
        var features = new float[batchSize * Examples.FeatureCount];
        var targets = new float[batchSize * Examples.ClassCount];
        var weights = new float[batchSize];
        for (long b = 0; b < skipBatches; b++)
            batches.Next(features, targets, weights);
        return batches;
    }

    private sealed class Batches : EpochBatches
    {
        private readonly StreamingBatchSource _source;
        private readonly IExamplePass _pass;
        private readonly Random? _random;
        private readonly float[] _features;
        private readonly float[] _targets;
        private readonly float[] _weights;
        private readonly int _capacity;
        private int _held;
        private bool _exhausted;
        private long _read;

        public Batches(StreamingBatchSource source, IExamplePass pass, int capacity, Random? random)
        {
            _source = source;
            _pass = pass;
            _random = random;
            _capacity = capacity;
            _features = new float[capacity * source.Examples.FeatureCount];
            _targets = new float[capacity * source.Examples.ClassCount];
            _weights = new float[capacity];
        }

        public override int Next(Span<float> features, Span<float> targets, Span<float> weights)
        {
            int d = _source.Examples.FeatureCount, k = _source.Examples.ClassCount;
            int batch = weights.Length, rows = 0;
            while (rows < batch)
            {
                while (_held < _capacity && !_exhausted)
                {
                    if (TryReadInto(_held))
                        _held++;
                }
                if (_held == 0)
                    break;
                int pick = _random?.Next(_held) ?? 0;
                _features.AsSpan(pick * d, d).CopyTo(features.Slice(rows * d, d));
                _targets.AsSpan(pick * k, k).CopyTo(targets.Slice(rows * k, k));
                weights[rows] = _weights[pick];
                rows++;
                // Refill the slot with the next row, or close the gap with the last held row.
                if (_exhausted || !TryReadInto(pick))
                {
                    _held--;
                    if (pick != _held)
                        MoveSlot(_held, pick);
                }
            }
            return rows;
        }

        public override void Dispose() => _pass.Dispose();

        /// <summary>Reads the next present example into slot <paramref name="slot"/>; false at the end of the data.</summary>
        private bool TryReadInto(int slot)
        {
            int d = _source.Examples.FeatureCount, k = _source.Examples.ClassCount;
            if (_pass.TryRead(_features.AsSpan(slot * d, d), _targets.AsSpan(slot * k, k), out _weights[slot]))
            {
                _read++;
                return true;
            }
            if (!_exhausted)
            {
                _exhausted = true;
                _source._count = _read;
                _source.SkippedRows = _pass.SkippedRows;
            }
            return false;
        }

        private void MoveSlot(int from, int to)
        {
            int d = _source.Examples.FeatureCount, k = _source.Examples.ClassCount;
            _features.AsSpan(from * d, d).CopyTo(_features.AsSpan(to * d, d));
            _targets.AsSpan(from * k, k).CopyTo(_targets.AsSpan(to * k, k));
            _weights[to] = _weights[from];
        }
    }
}

/// <summary>Consecutive cached rows: features [Count, FeatureSize], targets [Count, ClassCount] and weights, row-major.</summary>
internal readonly record struct CachedExamples(ReadOnlyMemory<float> Features, ReadOnlyMemory<float> Targets, ReadOnlyMemory<float> Weights,
    int FeatureSize, int ClassCount)
{
    public int Count => Weights.Length;

    /// <summary>Σw of the rows, in double precision.</summary>
    public double TotalWeight
    {
        get
        {
            double total = 0;
            foreach (var w in Weights.Span)
                total += w;
            return total;
        }
    }

    /// <summary>Σw of every row of <paramref name="parts"/>.</summary>
    public static double TotalWeightOf(IEnumerable<CachedExamples> parts) => parts.Sum(p => p.TotalWeight);

    /// <summary>Rows <paramref name="start"/> .. <paramref name="start"/> + <paramref name="count"/> − 1.</summary>
    public CachedExamples Slice(int start, int count) => new(Features.Slice(start * FeatureSize, count * FeatureSize),
        Targets.Slice(start * ClassCount, count * ClassCount), Weights.Slice(start, count), FeatureSize, ClassCount);
}

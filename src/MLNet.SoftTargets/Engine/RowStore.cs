using MLNet.SoftTargets.Backbones;

namespace MLNet.SoftTargets.Engine;

/// <summary>
/// Rows of features, targets and a weight, appended one at a time into blocks of at most <see cref="BlockValues"/>
/// floats per array: memory grows with the rows (no doubling copy of the whole set, no array near .NET's 2³¹-element
/// limit, sizes in 64 bits), and a block is a contiguous <see cref="CachedExamples"/> for a full-batch method.
/// </summary>
/// <remarks>
/// The first block starts small and doubles up to a full block, so a small set costs little; later blocks are
/// allocated full. A cache of N rows of D floats holds at most N·D + one block's slack.
/// </remarks>
internal sealed class RowStore
{
    /// <summary>Floats per array of one block (64 MB).</summary>
    public const int BlockValues = 1 << 24;

    private const int FirstCapacity = 256;
    private readonly List<float[]> _features = [];
    private readonly List<float[]> _targets = [];
    private readonly List<float[]> _weights = [];
    private int _capacity;

    /// <param name="featureSize">Floats per row of features.</param>
    /// <param name="targetSize">Floats per row of targets (0 for none).</param>
    /// <param name="blockValues">Floats per block array (tests use small blocks).</param>
    public RowStore(int featureSize, int targetSize, int blockValues = BlockValues)
    {
        FeatureSize = featureSize;
        TargetSize = targetSize;
        RowsPerBlock = Math.Max(1, blockValues / Math.Max(1, Math.Max(featureSize, targetSize)));
    }

    public int FeatureSize { get; }

    public int TargetSize { get; }

    /// <summary>Rows of a full block.</summary>
    public int RowsPerBlock { get; }

    /// <summary>Rows stored.</summary>
    public int Count { get; private set; }

    /// <summary>
    /// Reads every example of one pass of <paramref name="examples"/> into a new store, chunk by chunk: with a
    /// <paramref name="featurizer"/> each chunk of raw rows is replaced by the frozen backbone's cut activations as it is
    /// read (no raw copy is kept). <paramref name="keepTargets"/> stores the targets too; <paramref name="onTarget"/> sees
    /// each row's target as it is read. Cancellation is checked after every chunk (and inside the backbone's runs).
    /// </summary>
    public static (RowStore Rows, long SkippedRows) Read(IExampleSource examples, BackboneTop.Featurizer? featurizer, bool keepTargets,
        CancellationToken cancellation, Action<ReadOnlySpan<float>>? onTarget = null)
    {
        const int PlainChunkRows = 256;
        int d = examples.FeatureCount, k = examples.ClassCount;
        var store = new RowStore(featurizer?.OutputSize ?? d, keepTargets ? k : 0);
        int chunkRows = featurizer?.ChunkRows ?? PlainChunkRows;
        var chunk = new float[chunkRows * d];
        var targets = new float[chunkRows * k];
        var weights = new float[chunkRows];
        float[]? cut = featurizer is null ? null : new float[chunkRows * featurizer.OutputSize];
        int inChunk = 0;
        void Flush()
        {
            if (inChunk == 0)
                return;
            var rows = chunk;
            if (featurizer is not null)
            {
                featurizer.Run(chunk, inChunk, cut, cancellation);
                rows = cut!;
            }
            int size = store.FeatureSize, kept = store.TargetSize;
            for (int r = 0; r < inChunk; r++)
                store.Append(rows.AsSpan(r * size, size), targets.AsSpan(r * k, kept), weights[r]);
            inChunk = 0;
            cancellation.ThrowIfCancellationRequested();
        }
        long skipped;
        using (var pass = examples.Open(null))
        {
            while (pass.TryRead(chunk.AsSpan(inChunk * d, d), targets.AsSpan(inChunk * k, k), out weights[inChunk]))
            {
                onTarget?.Invoke(targets.AsSpan(inChunk * k, k));
                if (++inChunk == chunkRows)
                    Flush();
            }
            skipped = pass.SkippedRows;
        }
        Flush();
        return (store, skipped);
    }

    /// <summary>Appends one row.</summary>
    /// <exception cref="InvalidOperationException">More than <see cref="int.MaxValue"/> rows.</exception>
    public void Append(ReadOnlySpan<float> features, ReadOnlySpan<float> targets, float weight)
    {
        if (Count == int.MaxValue)
            throw new InvalidOperationException($"More than {int.MaxValue:N0} rows cannot be cached.");
        int block = Count / RowsPerBlock, offset = Count % RowsPerBlock;
        if (block == _features.Count)
        {
            _capacity = block == 0 ? Math.Min(FirstCapacity, RowsPerBlock) : RowsPerBlock;
            _features.Add(new float[(long)_capacity * FeatureSize]);
            _targets.Add(new float[(long)_capacity * TargetSize]);
            _weights.Add(new float[_capacity]);
        }
        else if (offset == _capacity)
        {
            // Only the first block grows; it doubles up to a full block.
            _capacity = Math.Min(RowsPerBlock, _capacity * 2);
            Grow(_features, block, _capacity * FeatureSize);
            Grow(_targets, block, _capacity * TargetSize);
            Grow(_weights, block, _capacity);
        }
        features.CopyTo(_features[block].AsSpan(offset * FeatureSize, FeatureSize));
        targets.CopyTo(_targets[block].AsSpan(offset * TargetSize, TargetSize));
        _weights[block][offset] = weight;
        Count++;
    }

    /// <summary>The features of row <paramref name="row"/>.</summary>
    public Span<float> Features(int row) => _features[row / RowsPerBlock].AsSpan(row % RowsPerBlock * FeatureSize, FeatureSize);

    /// <summary>The targets of row <paramref name="row"/>.</summary>
    public Span<float> Targets(int row) => _targets[row / RowsPerBlock].AsSpan(row % RowsPerBlock * TargetSize, TargetSize);

    /// <summary>The weight of row <paramref name="row"/>.</summary>
    public ref float Weight(int row) => ref _weights[row / RowsPerBlock][row % RowsPerBlock];

    /// <summary>Rows <paramref name="start"/> .. <paramref name="start"/> + <paramref name="count"/> − 1 as contiguous parts (one per block they touch).</summary>
    public IReadOnlyList<CachedExamples> Parts(int start, int count)
    {
        var parts = new List<CachedExamples>();
        for (int row = start, end = start + count; row < end;)
        {
            int block = row / RowsPerBlock, offset = row % RowsPerBlock;
            int rows = Math.Min(end - row, RowsPerBlock - offset);
            parts.Add(new CachedExamples(_features[block].AsMemory(offset * FeatureSize, rows * FeatureSize),
                _targets[block].AsMemory(offset * TargetSize, rows * TargetSize), _weights[block].AsMemory(offset, rows), FeatureSize, TargetSize));
            row += rows;
        }
        return parts;
    }

    /// <summary>All rows as contiguous parts.</summary>
    public IReadOnlyList<CachedExamples> All => Parts(0, Count);

    /// <summary>Puts the rows in a seeded random order, in place (one row of scratch memory).</summary>
    public void Shuffle(int seed)
    {
        var order = Enumerable.Range(0, Count).ToArray();
        new Random(seed).Shuffle(order);
        var features = new float[FeatureSize];
        var targets = new float[TargetSize];
        var done = new bool[Count];
        // Row i receives row order[i]: follow each cycle of the permutation once.
        for (int start = 0; start < Count; start++)
        {
            if (done[start])
                continue;
            Features(start).CopyTo(features);
            Targets(start).CopyTo(targets);
            float weight = Weight(start);
            int i = start;
            while (order[i] != start)
            {
                int from = order[i];
                Features(from).CopyTo(Features(i));
                Targets(from).CopyTo(Targets(i));
                Weight(i) = Weight(from);
                done[i] = true;
                i = from;
            }
            features.CopyTo(Features(i));
            targets.CopyTo(Targets(i));
            Weight(i) = weight;
            done[i] = true;
        }
    }

    private static void Grow(List<float[]> blocks, int block, int length)
    {
        var grown = new float[length];
        blocks[block].CopyTo(grown, 0);
        blocks[block] = grown;
    }
}

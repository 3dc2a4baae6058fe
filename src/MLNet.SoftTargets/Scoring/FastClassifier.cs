using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.SoftTargets.Graphs.Blocks;

namespace MLNet.SoftTargets.Scoring;

/// <summary>
/// How a trained classifier scores in memory, without the stock chain's per-row ONNX Runtime call: small heads (no
/// trunk, at most <see cref="ManagedLimit"/> multiply-adds a row) row by row in managed code (<see cref="HeadWeights"/>),
/// everything else through one ONNX Runtime session in blocks of rows (<see cref="OrtClassifierSession"/>). The output
/// schema is always the one the stock chain gives (the caller passes it), so the fast and the saved model agree
/// column for column; the values agree to float rounding (≤ 1e-6). An optional temperature T is folded in: Score is
/// <c>softmax(z / T)</c> in one step instead of a calibrator's chain of stages.
/// </summary>
/// <remarks>
/// Thread-safe as ML.NET's own models: the weights and the session are shared and read-only, every cursor and every
/// <see cref="PredictionEngine{TSrc, TDst}"/> row gets its own buffers. The scorer made by <see cref="Create"/> owns the
/// ONNX Runtime session (<see cref="SessionSlot"/>); its temperature copies (<see cref="WithTemperature"/>) borrow it, and
/// disposing one of them releases nothing. After the owner is disposed, every path — the managed head included — throws
/// <see cref="ObjectDisposedException"/> naming the model at its next row, so a disposed model never scores silently and
/// never reaches a released native object.
/// </remarks>
internal sealed class FastClassifier : IDisposable
{
    /// <summary>
    /// Multiply-adds per row up to which the managed kernel scores cursors row by row; above it, cursors score blocks of
    /// rows through ONNX Runtime (one call per block amortises its fixed cost, and its GEMM uses every core). Measured on
    /// 2 cores (benchmarks/MLNet.SoftTargets.Scoring): a block costs about 0.5 µs a row beyond reading the input, so
    /// a linear head on 784 features and 2 classes (1,568) scores at 0.5 µs a row managed and 1.0 µs in blocks, while at
    /// 7,800 (784 × 10, 300 × 26) blocks win (0.65–1.2 against 1.4–1.6 µs). The
    /// <see cref="PredictionEngine{TSrc, TDst}"/> path scores one row at a time and uses the managed kernel for every head
    /// without a trunk (an ONNX Runtime call costs more than the arithmetic of any head here).
    /// </summary>
    public const long ManagedLimit = 4_000;

    /// <summary>Rows scored per ONNX Runtime call by a cursor (at most).</summary>
    public const int BlockRows = 256;

    /// <summary>
    /// Input values per block for a model with a pretrained trunk: a CNN's activations are hundreds of times its input
    /// (ResNet18 on 224×224: 256 rows would hold 0.8 GB in its first layer alone), so its blocks hold at most 2^22
    /// input values (27 rows of 150,528) — the per-call cost is amortised long before that.
    /// </summary>
    public const int TrunkBlockValues = 1 << 22;

    /// <summary>Rows per ONNX Runtime call of this model's cursors.</summary>
    public int RowsPerBlock => Spec.HasTrunk ? Math.Clamp(TrunkBlockValues / Math.Max(1, Spec.FeatureCount), 1, BlockRows) : BlockRows;

    private readonly SessionSlot _slot;
    private readonly bool _ownsSlot;

    private FastClassifier(ClassifierSpec spec, HeadWeights? head, SessionSlot slot, bool ownsSlot, double temperature)
    {
        Spec = spec;
        Head = head;
        _slot = slot;
        _ownsSlot = ownsSlot;
        Temperature = temperature;
    }

    public ClassifierSpec Spec { get; }

    /// <summary>The managed head (null with a trunk).</summary>
    public HeadWeights? Head { get; }

    /// <summary>The temperature folded into Score (1 for none).</summary>
    public double Temperature { get; }

    /// <summary>Whether cursors score blocks of rows through ONNX Runtime.</summary>
    public bool ScoresInBlocks => Head is null || Head.MultiplyAdds > ManagedLimit;

    /// <summary>The session, created on first use.</summary>
    /// <exception cref="ObjectDisposedException">The owning model was disposed.</exception>
    public OrtClassifierSession Session => _slot.Get();

    /// <summary>Whether the session has been created (a test hook).</summary>
    internal bool HasSession => _slot.IsCreated;

    /// <summary>
    /// A fast scorer for <paramref name="spec"/>: the managed head from <paramref name="parameters"/> when there is no trunk,
    /// and the batched graph from <paramref name="batchedGraph"/> (called once, when first needed).
    /// </summary>
    public static FastClassifier Create(ClassifierSpec spec, IReadOnlyDictionary<string, float[]> parameters, Func<byte[]> batchedGraph, double temperature = 1)
    {
        var head = spec.HasTrunk ? null : new HeadWeights(spec.Head(), parameters);
        var slot = new SessionSlot(() => new OrtClassifierSession(batchedGraph(), spec.FeatureCount, spec.ClassCount, spec.EmbeddingSize, spec.OutputEmbedding));
        return new FastClassifier(spec, head, slot, ownsSlot: true, temperature);
    }

    /// <summary>The same scorer with Score at temperature <paramref name="temperature"/> (borrowing the session).</summary>
    public FastClassifier WithTemperature(double temperature) => new(Spec, Head, _slot, ownsSlot: false, temperature);

    /// <summary>Throws when the owning model was disposed.</summary>
    /// <exception cref="ObjectDisposedException">The owning model was disposed.</exception>
    public void ThrowIfDisposed() => _slot.ThrowIfDisposed();

    /// <summary>A lazy view of <paramref name="input"/> with the classifier's columns, whose schema is <paramref name="outputSchema"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The feature column is missing or has another type.</exception>
    public IDataView Transform(IDataView input, DataViewSchema outputSchema)
    {
        ThrowIfDisposed();
        return new ScoredDataView(input, this, Bind(input.Schema, outputSchema));
    }

    /// <summary>A row mapper (for <see cref="PredictionEngine{TSrc, TDst}"/>) from <paramref name="inputSchema"/> to <paramref name="outputSchema"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The feature column is missing or has another type.</exception>
    public IRowToRowMapper CreateMapper(DataViewSchema inputSchema, DataViewSchema outputSchema)
    {
        ThrowIfDisposed();
        return Bind(inputSchema, outputSchema).Mapper;
    }

    /// <summary>The feature column, the computed columns' roles, and the row-by-row mapper for a pair of schemas.</summary>
    internal ScoringBinding Bind(DataViewSchema inputSchema, DataViewSchema outputSchema)
    {
        var (features, _) = ColumnContract.RequireFloatVector(inputSchema, Spec.FeatureColumnName, "FeatureColumnName", "data to score", Spec.FeatureCount,
            "the features the model was trained on");
        var roles = Roles(inputSchema, outputSchema);
        var mapper = new AddedColumnsMapper(inputSchema, outputSchema, roles.Select(r => r.Index).ToArray(), [features.Index],
            (row, active) => new RowScorer(this, row, features, roles, active).Getters);
        return new ScoringBinding(mapper, features, roles);
    }

    /// <summary>Releases the session (waiting for the runs in flight) when this scorer owns it; idempotent.</summary>
    public void Dispose()
    {
        if (_ownsSlot)
            _slot.Dispose();
    }

    /// <summary>
    /// What each computed output column holds, recognised by name: the last visible Score, PredictedLabel, Logits and
    /// Embedding are ours (they hide input columns of the same names), and a hidden Score after the input columns is the
    /// uncalibrated one a calibrator hid. Input columns of those names stay input columns: a stock chain's DropColumns
    /// removes hidden ones, so the computed columns need not start at the input's column count (a data view with a stale
    /// Score column shifted them and scoring failed).
    /// </summary>
    internal static (int Index, OutputRole Role)[] Roles(DataViewSchema inputSchema, DataViewSchema outputSchema)
    {
        var roles = new List<(int, OutputRole)>();
        for (int i = 0; i < outputSchema.Count; i++)
        {
            var column = outputSchema[i];
            OutputRole? role = column.Name switch
            {
                InferenceGraph.Score => OutputRole.Score,
                Persistence.ClassifierChain.PredictedLabel => OutputRole.PredictedLabel,
                InferenceGraph.Logits => OutputRole.Logits,
                InferenceGraph.Embedding => OutputRole.Embedding,
                _ => null,
            };
            if (role is not { } r)
                continue;
            bool last = outputSchema.GetColumnOrNull(column.Name) is { } visible && visible.Index == i;
            if (last)
                roles.Add((i, r));
            else if (r == OutputRole.Score && column.IsHidden && i >= inputSchema.Count)
                roles.Add((i, OutputRole.UncalibratedScore));
        }
        return [.. roles];
    }

    /// <summary>What one computed column holds.</summary>
    internal enum OutputRole
    {
        Score,
        UncalibratedScore,
        PredictedLabel,
        Logits,
        Embedding,
    }
}

/// <summary>
/// The one <see cref="OrtClassifierSession"/> of a classifier, created on first use and shared by its temperature copies;
/// disposing it marks the classifier disposed, so the managed path stops too.
/// </summary>
internal sealed class SessionSlot(Func<OrtClassifierSession> create) : IDisposable
{
    private readonly object _gate = new();
    private OrtClassifierSession? _session;
    private volatile bool _disposed;

    public bool IsCreated => _session is not null;

    public OrtClassifierSession Get()
    {
        var session = Volatile.Read(ref _session);
        if (session is not null && !_disposed)
            return session;
        lock (_gate)
        {
            ThrowIfDisposed();
            return _session ??= create();
        }
    }

    public void ThrowIfDisposed()
    {
        if (_disposed)
            throw ModelDisposed();
    }

    public void Dispose()
    {
        OrtClassifierSession? session;
        lock (_gate)
        {
            if (_disposed)
                return;
            _disposed = true;
            session = _session;
        }
        session?.Dispose();
    }

    /// <summary>The exception of every use of a disposed model, naming it.</summary>
    internal static ObjectDisposedException ModelDisposed() => new(nameof(SoftTargetCrossEntropyModel),
        $"The {nameof(SoftTargetCrossEntropyModel)} was disposed: its ONNX Runtime sessions and temporary files are released, so neither it nor the views, cursors and prediction engines made from it can score.");
}

/// <summary>A <see cref="FastClassifier"/> bound to an input and an output schema.</summary>
/// <param name="Mapper">Maps rows one at a time.</param>
/// <param name="Features">The feature column of the input.</param>
/// <param name="Roles">What each computed output column holds.</param>
internal sealed record ScoringBinding(AddedColumnsMapper Mapper, DataViewSchema.Column Features, (int Index, FastClassifier.OutputRole Role)[] Roles);

using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.SoftTargets.Graphs;
using MLNet.SoftTargets.Persistence;
using Onnx;

namespace MLNet.SoftTargets;

/// <summary>
/// A fitted log-linear calibration map (from <c>CalibrateVectorScaling</c> or <c>CalibrateDirichlet</c>): rewrites the
/// score column as <c>softmax(W · log max(p, 1e-12) + b)</c>, keeping its name, type and slot names. A row that is not a
/// distribution (NaN, negative or infinite values, or all zeros) becomes all-NaN. Scoring runs in managed code; the saved form is a
/// chain of stock ML.NET components (the map as a small ONNX graph behind <c>ApplyOnnxModel</c>), so stock
/// <c>mlContext.Model.Load</c> gives the same scores. Holds that chain's ONNX Runtime session and its graph file:
/// dispose it (after which it cannot transform or save).
/// </summary>
public sealed class LogLinearCalibrationTransformer : ITransformer, IDisposable
{
    private readonly float[] _w;
    private readonly float[] _b;
    private readonly TransformerChain<ITransformer> _chain;
    private readonly TemporaryFile _graphFile;
    private bool _disposed;

    internal LogLinearCalibrationTransformer(SoftTargetInputColumn score, double[] w, double[] b, string kind)
    {
        ScoreColumnName = score.Name;
        ClassCount = score.ClassCount;
        Kind = kind;
        _w = Array.ConvertAll(w, v => (float)v);
        _b = Array.ConvertAll(b, v => (float)v);
        (_chain, _graphFile) = BuildStockChain(score);
    }

    /// <summary>The score column, read and rewritten.</summary>
    public string ScoreColumnName { get; }

    /// <summary>K.</summary>
    public int ClassCount { get; }

    /// <summary><c>VectorScaling</c> or <c>Dirichlet</c>.</summary>
    public string Kind { get; }

    /// <summary>W, [K, K] row-major (diagonal for vector scaling): z_i = Σ_j W_ij · log p_j + b_i.</summary>
    public IReadOnlyList<float> Matrix => _w;

    /// <summary>b, [K].</summary>
    public IReadOnlyList<float> Bias => _b;

    /// <summary>True: each row maps on its own.</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>The input schema with the score column rewritten (same name, type and slot names).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The score column is missing or has another size.</exception>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ThrowIfDisposed();
        Check(inputSchema);
        return _chain.GetOutputSchema(inputSchema);
    }

    /// <summary>A lazy view of <paramref name="input"/> whose score column is calibrated (managed code, row by row).</summary>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new MappedDataView(input, CreateMapper(input.Schema));
    }

    /// <summary>The row mapper behind <see cref="Transform"/> (used by <c>PredictionEngine</c>).</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => CreateMapper(inputSchema);

    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        ThrowIfDisposed();
        ((ICanSaveModel)_chain).Save(ctx);
    }

    /// <summary>Releases the stock chain's ONNX Runtime session and deletes its graph file; idempotent.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        foreach (var stage in _chain)
            (stage as IDisposable)?.Dispose();
        _graphFile.Dispose();
    }

    /// <summary>The calibrated distribution of one row; false (and <paramref name="q"/> untouched) when <paramref name="p"/> is not a distribution.</summary>
    internal bool Map(ReadOnlySpan<float> p, Span<float> q)
    {
        int k = ClassCount;
        if (!SoftTargetKernels.IsProbabilityRow(p))
            return false;
        Span<float> x = k <= 256 ? stackalloc float[k] : new float[k];
        for (int j = 0; j < k; j++)
            x[j] = MathF.Log(MathF.Max(p[j], LogLinearFit.ProbabilityFloor));
        float max = float.NegativeInfinity;
        for (int i = 0; i < k; i++)
        {
            float z = _b[i] + System.Numerics.Tensors.TensorPrimitives.Dot<float>(_w.AsSpan(i * k, k), x);
            q[i] = z;
            max = MathF.Max(max, z);
        }
        float sum = 0;
        for (int i = 0; i < k; i++)
        {
            q[i] = MathF.Exp(q[i] - max);
            sum += q[i];
        }
        for (int i = 0; i < k; i++)
            q[i] /= sum;
        return true;
    }

    /// <summary>The map on a batch (the whole-pipeline export; the saved chain's per-row graph on a batch of one): <paramref name="score"/> [N, K] → softmax(log max(p, 1e-12)·Wᵀ + b).</summary>
    internal string AppendBatched(GraphBuilder g, string score)
    {
        int k = ClassCount;
        var wt = new double[k * k];
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j < k; j++)
                wt[j * k + i] = _w[i * k + j];
        }
        var x = g.Log(g.Node("Max", [score, g.Scalar(LogLinearFit.ProbabilityFloor)], g.Shape(score)));
        var z = g.Add(g.MatMul(x, g.AddInitializer("calibration_w", wt, [k, k])), g.AddInitializer("calibration_b", Array.ConvertAll(_b, v => (double)v), [k]));
        return g.Softmax(z, axis: 1);
    }

    private void Check(DataViewSchema schema)
    {
        var column = SoftTargetInputColumn.FromSchema(schema, ScoreColumnName, nameof(ScoreColumnName));
        if (column.IsKey || column.ClassCount != ClassCount)
            throw new ArgumentOutOfRangeException(nameof(ScoreColumnName), ScoreColumnName,
                $"Column '{ScoreColumnName}' must be a vector of {ClassCount} probabilities, as when the calibration was fitted.");
    }

    private AddedColumnsMapper CreateMapper(DataViewSchema inputSchema)
    {
        var outputSchema = GetOutputSchema(inputSchema);
        int source = inputSchema[ScoreColumnName].Index;
        return new(inputSchema, outputSchema, [outputSchema[ScoreColumnName].Index], [source], (row, _) =>
        {
            var getter = row.GetGetter<VBuffer<float>>(row.Schema[source]);
            var input = default(VBuffer<float>);
            var dense = new float[ClassCount];
            ValueGetter<VBuffer<float>> calibrated = (ref VBuffer<float> dst) =>
            {
                ThrowIfDisposed();
                getter(ref input);
                if (input.Length != ClassCount)
                    throw new InvalidOperationException($"Column '{ScoreColumnName}' row {row.Position}: expected {ClassCount} values, got {input.Length}.");
                input.CopyTo(dense);
                var editor = VBufferEditor.Create(ref dst, ClassCount);
                if (!Map(dense, editor.Values))
                    SoftTargetKernels.FillMissing(editor.Values);
                dst = editor.Commit();
            };
            return [calibrated];
        });
    }

    // CopyColumns (the graph needs an input name other than its output's), ApplyOnnxModel (Score [K] → calibrated Score
    // [K] with the slot names node), DropColumns of the copy (BuiltInChainBuilder.Build). The graph computes what Map does, in float.
    private (TransformerChain<ITransformer>, TemporaryFile) BuildStockChain(SoftTargetInputColumn score)
    {
        Engine.NativeRuntime.EnsureLoaded();
        int k = ClassCount;
        var chain = new BuiltInChainBuilder(score.Name, score.Type, score.Annotations, score.Name);
        string input = chain.Intermediate("uncalibrated");   // dropped by Build
        var g = new GraphBuilder(TensorProto.Types.DataType.Float);
        var p = g.AddInput(input, [k]);
        var calibrated = g.Reshape(AppendBatched(g, g.Reshape(p, [1, k])), [k]);
        // A negative, NaN or infinite probability poisons the row (NaN everywhere), as in the managed path.
        var bad = g.Node("Or", [g.Node("Less", [p, g.Scalar(0)], [k], TensorProto.Types.DataType.Bool), g.Node("IsInf", [p], [k], TensorProto.Types.DataType.Bool)], [k], TensorProto.Types.DataType.Bool);
        var allZero = g.Node("Equal", [g.ReduceSum(p, [], keepDims: false), g.Scalar(0)], [], TensorProto.Types.DataType.Bool);
        var poison = g.Add(g.ReduceSum(g.Where(bad, g.Scalar(double.NaN), g.Mul(p, g.Scalar(0))), [], keepDims: false),
            g.Where(allZero, g.Scalar(double.NaN), g.Scalar(0)));
        var q = g.Add(calibrated, poison);
        g.AddOutput(q, score.Name);
        if (SlotNames(score) is { } names)
            g.AddSlotNames(score.Name, names);
        var file = TemporaryFile.Write(g.ToBytes(), ".onnx");
        try
        {
            chain.Add(chain.Context.Transforms.CopyColumns(input, score.Name));
            chain.Add(chain.Context.Transforms.ApplyOnnxModel([score.Name], [input], file.Path));
            Scoring.SessionCounter.Count();
            return (chain.Build(), file);
        }
        catch
        {
            chain.DisposeStages();
            file.Dispose();
            throw;
        }
    }

    private static string[]? SlotNames(SoftTargetInputColumn score)
    {
        if (score.Annotations.Schema.GetColumnOrNull("SlotNames") is not { } column)
            return null;
        var names = default(VBuffer<ReadOnlyMemory<char>>);
        score.Annotations.GetValue(column.Name, ref names);
        var values = names.DenseValues().Select(n => n.ToString()).ToArray();
        return values.Length == score.ClassCount ? values : null;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}

using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.SoftTargets.Persistence;

namespace MLNet.SoftTargets;

/// <summary>
/// Shared machinery of the soft-target transformers: adds one <c>Vector&lt;Single, K&gt;</c> column
/// computed row by row from a key or probability-vector column, lazily (nothing is materialised),
/// usable in a <see cref="PredictionEngine{TSrc, TDst}"/>, and saved as an equivalent chain of stock
/// ML.NET transformers so that <c>mlContext.Model.Load</c> needs none of this library.
/// </summary>
/// <remarks>
/// <para>Missing rows: a missing key (0) and a vector row that is not a probability row (a NaN, negative
/// or infinite entry, or all zeros) give an all-NaN output row — before and after saving. The trainer skips
/// such rows; <see cref="SoftTargetKernels.IsMissing"/> tests for them.</para>
/// <para>Vector rows are normalised to sum 1 before smoothing. Key inputs are computed from a table and
/// are bit-identical to the saved model; vector inputs agree with it to float rounding (ML.NET sums
/// vectors in a different order).</para>
/// </remarks>
public abstract class SoftTargetTransformerBase : ITransformer
{
    private readonly SoftTargetInputColumn _input;
    private readonly SoftTargetMapping _mapping;
    private readonly TransformerChain<ITransformer> _equivalent;
    private readonly float[]? _keyTable;

    private protected SoftTargetTransformerBase(SoftTargetInputColumn input, string outputColumnName, SoftTargetMapping mapping)
    {
        _input = input;
        _mapping = mapping;
        OutputColumnName = outputColumnName;
        _equivalent = SoftTargetChain.Build(input, outputColumnName, mapping);
        if (input.IsKey)
            _keyTable = BuildKeyTable(mapping);
    }

    /// <summary>The column read: a key or a probability vector.</summary>
    public string InputColumnName => _input.Name;

    /// <summary>The soft-target column written, <c>Vector&lt;Single, K&gt;</c>.</summary>
    public string OutputColumnName { get; }

    /// <summary>K, the number of classes (slots of the output).</summary>
    public int ClassCount => _input.ClassCount;

    /// <summary>The saved form: the chain of stock ML.NET components.</summary>
    internal TransformerChain<ITransformer> StockChain => _equivalent;

    /// <summary>True: the transform maps each row independently.</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>
    /// The input schema plus the soft-target column. It is, by construction, the schema of the saved equivalent: same
    /// column order (a column that replaces an input of the same name sits next to it), type and annotations.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or not of the type the transform was fitted on.</exception>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        _input.CheckCompatible(inputSchema, nameof(inputSchema));
        return _equivalent.GetOutputSchema(inputSchema);
    }

    /// <summary>Returns a lazy view of <paramref name="input"/> with the soft-target column added.</summary>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return TransformFast(input) ?? new MappedDataView(input, CreateMapper(input.Schema));
    }

    /// <summary>A faster equivalent of <see cref="Transform"/> for this input, or null (temperature scaling folds into our classifier).</summary>
    private protected virtual IDataView? TransformFast(IDataView input) => null;

    /// <summary>A row mapper over <paramref name="inputSchema"/> (used by <see cref="PredictionEngine{TSrc, TDst}"/>).</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => CreateMapper(inputSchema);

    /// <summary>Saves the equivalent chain of stock ML.NET transformers (see the class remarks).</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) => ((ICanSaveModel)_equivalent).Save(ctx);

    private AddedColumnsMapper CreateMapper(DataViewSchema inputSchema)
    {
        var outputSchema = GetOutputSchema(inputSchema);
        return new(inputSchema, outputSchema, [outputSchema[OutputColumnName].Index], [inputSchema[InputColumnName].Index], (row, _) => [CreateGetter(row)]);
    }

    private ValueGetter<VBuffer<float>> CreateGetter(DataViewRow row)
    {
        int k = ClassCount;
        var column = row.Schema[InputColumnName];
        if (_keyTable is { } table)
        {
            var getKey = row.GetGetter<uint>(column);
            return (ref VBuffer<float> dst) =>
            {
                uint key = 0;
                getKey(ref key);
                if (key > (uint)k)
                    ThrowKeyOutOfRange(row, key);
                var editor = VBufferEditor.Create(ref dst, k);
                CopyRow(table, (int)key * k, editor.Values);
                dst = editor.Commit();
            };
        }

        var getVector = row.GetGetter<VBuffer<float>>(column);
        var source = default(VBuffer<float>);
        var dense = new float[k];
        return (ref VBuffer<float> dst) =>
        {
            getVector(ref source);
            if (source.Length != k)
                ThrowWrongLength(row, source.Length);
            // A dense row is read where it is; only a sparse one is spread out first.
            ReadOnlySpan<float> p = source.IsDense ? source.GetValues() : Densify(source, dense);
            var editor = VBufferEditor.Create(ref dst, k);
            if (!_mapping.TryMapDistribution(p, editor.Values))
                SoftTargetKernels.FillMissing(editor.Values);
            dst = editor.Commit();
        };
    }

    // Kept out of the getter so that the getter stays small enough to be compiled tightly.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void ThrowKeyOutOfRange(DataViewRow row, uint key) =>
        throw new InvalidOperationException($"Column '{InputColumnName}' row {row.Position}: key {key} is outside 0..{ClassCount}.");

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void ThrowWrongLength(DataViewRow row, int length) =>
        throw new InvalidOperationException($"Column '{InputColumnName}' row {row.Position}: expected {ClassCount} values, got {length}.");

    /// <summary>
    /// Copies one row of the key table. Rows of 4 to 16 classes move as two overlapping vector loads and stores: a
    /// general <see cref="Span{T}.CopyTo"/> of a few dozen bytes costs more than the rest of the getter.
    /// </summary>
    private static void CopyRow(float[] table, int start, Span<float> destination)
    {
        int k = destination.Length;
        ref float from = ref table[start];
        ref float to = ref MemoryMarshal.GetReference(destination);
        if (k >= 8 && k <= 16)
        {
            var head = Vector256.LoadUnsafe(ref from);
            var tail = Vector256.LoadUnsafe(ref from, (nuint)(k - 8));
            head.StoreUnsafe(ref to);
            tail.StoreUnsafe(ref to, (nuint)(k - 8));
        }
        else if (k >= 4 && k < 8)
        {
            var head = Vector128.LoadUnsafe(ref from);
            var tail = Vector128.LoadUnsafe(ref from, (nuint)(k - 4));
            head.StoreUnsafe(ref to);
            tail.StoreUnsafe(ref to, (nuint)(k - 4));
        }
        else
        {
            table.AsSpan(start, k).CopyTo(destination);
        }
    }

    private static float[] Densify(in VBuffer<float> source, float[] dense)
    {
        source.CopyTo(dense);
        return dense;
    }

    private static float[] BuildKeyTable(SoftTargetMapping mapping)
    {
        int k = mapping.ClassCount;
        var table = new float[(k + 1) * k];
        SoftTargetKernels.FillMissing(table.AsSpan(0, k));
        var oneHot = new float[k];
        for (int c = 0; c < k; c++)
        {
            oneHot[c] = 1f;
            mapping.MapOneHot(oneHot, table.AsSpan((c + 1) * k, k));
            oneHot[c] = 0f;
        }
        return table;
    }
}

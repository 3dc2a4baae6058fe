using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace MLNet.SoftTargets.Persistence;

/// <summary>
/// Assembles the chain of stock ML.NET transformers that computes the same column as one of our
/// transforms. <see cref="ModelSaveContext"/> has no public members, so a component outside ML.NET
/// cannot write its own state into a model zip; instead our transformers save this chain, and
/// <c>mlContext.Model.Load</c> returns it, runnable without this library.
/// </summary>
/// <remarks>
/// Each stage is fitted on a row-less view of the current schema (the stages used here do not
/// read data to fit), except the per-slot affine map, which is fitted on crafted rows.
/// Intermediate columns get reserved names and are dropped at the end.
/// </remarks>
internal sealed class BuiltInChainBuilder
{
    private readonly MLContext _ml = new(seed: 0);
    private readonly List<ITransformer> _stages = [];
    private readonly List<string> _intermediates = [];
    private readonly string _prefix;
    private IDataView _view;

    /// <param name="inputName">The column the chain reads.</param>
    /// <param name="inputType">Its type.</param>
    /// <param name="inputAnnotations">Its annotations (key values, slot names), or null.</param>
    /// <param name="outputColumnName">The column the chain makes; intermediate columns are named after it.</param>
    public BuiltInChainBuilder(string inputName, DataViewType inputType, DataViewSchema.Annotations? inputAnnotations, string outputColumnName)
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumn(inputName, inputType, inputAnnotations);
        _view = new SchemaOnlyDataView(builder.ToSchema());
        _prefix = outputColumnName + ".softtarget.";
    }

    public MLContext Context => _ml;

    /// <summary>A reserved name for an intermediate column, dropped by <see cref="Build"/>.</summary>
    public string Intermediate(string role)
    {
        string name = _prefix + role;
        _intermediates.Add(name);
        return name;
    }

    public void Add(IEstimator<ITransformer> estimator) => Add(estimator.Fit(_view));

    public void Add(ITransformer fitted)
    {
        _stages.Add(fitted);
        _view = fitted.Transform(_view);
    }

    /// <summary>Drops the intermediate columns and returns the chain.</summary>
    public TransformerChain<ITransformer> Build()
    {
        Add(_ml.Transforms.DropColumns([.. _intermediates]));
        return new TransformerChain<ITransformer>([.. _stages]);
    }

    /// <summary>Disposes the stages added so far (a chain abandoned halfway: an <c>OnnxTransformer</c> holds a session).</summary>
    public void DisposeStages()
    {
        foreach (var stage in _stages)
            (stage as IDisposable)?.Dispose();
        _stages.Clear();
    }

    /// <summary>
    /// Adds a float column that is 0 for a present key and NaN for the missing key (0):
    /// added to every slot, it turns the rows of missing labels into all-NaN rows.
    /// </summary>
    public string AddKeyPresenceFlag(string keyColumn, int classCount)
    {
        string flag = Intermediate("flag");
        var lookup = new KeyValuePair<uint, float>[classCount + 1];
        lookup[0] = new(0, float.NaN);
        for (uint k = 1; k <= classCount; k++)
            lookup[k] = new(k, 0f);
        Add(_ml.Transforms.Conversion.MapValue(flag, lookup, keyColumn));
        return flag;
    }

    /// <summary>
    /// Adds a float column that is 0 when the vector is a probability row (entries finite and ≥ 0,
    /// at least one &gt; 0; see <see cref="SoftTargetKernels.IsProbabilityRow"/>) and NaN otherwise.
    /// </summary>
    /// <remarks>
    /// ML.NET's built-ins have no row-wise "all"/"any" over a vector, so the reduction is composed:
    /// classify each entry (0: zero, 1: positive, 2: NaN/negative/infinite), count the classes per row
    /// with a count vector over keys, binarise the three counts, combine-hash them into one scalar
    /// and look the 8 possible hashes up in a table of flags.
    /// </remarks>
    public string AddProbabilityRowFlag(string vectorColumn)
    {
        string entryClass = Intermediate("entryclass");
        string entryKey = Intermediate("entrykey");
        string counts = Intermediate("counts");
        string present = Intermediate("present");
        string hash = Intermediate("pattern");
        string flag = Intermediate("flag");

        Add(_ml.Transforms.Expression(entryClass, "x => isna(x) or x < 0 or x > 3.4028235E+38 ? 2 : (x > 0 ? 1 : 0)", vectorColumn));
        var classes = _ml.Data.LoadFromEnumerable(new[] { new IntRow { Value = 0 }, new IntRow { Value = 1 }, new IntRow { Value = 2 } });
        Add(_ml.Transforms.Conversion.MapValueToKey(entryKey, entryClass, keyData: classes));
        Add(_ml.Transforms.Conversion.MapKeyToVector(counts, entryKey, outputCountVector: true));
        Add(_ml.Transforms.Expression(present, "c => c > 0 ? 1 : 0", counts));

        // Pattern (zero present, positive present, invalid present): a probability row has a positive
        // entry and no invalid one.
        var patterns = Enumerable.Range(0, 8).Select(bits => new[] { bits & 1, (bits >> 1) & 1, (bits >> 2) & 1 }).ToArray();
        AddHashLookup(present, hash, flag, numberOfBits: 30, patterns, patterns.Select(p => p[1] == 1 && p[2] == 0 ? 0f : float.NaN).ToArray());
        return flag;
    }

    /// <summary>
    /// A lookup from small vectors to values, in stock stages: <c>Hash</c> with <c>combine</c> reduces each row of
    /// <paramref name="source"/> to one scalar key (<paramref name="hashColumn"/>), and <c>MapValue</c> turns the hash of
    /// each of <paramref name="keys"/> into its value (<paramref name="valueColumn"/>). ML.NET has no row-wise reduction
    /// or vector-keyed lookup of its own; this is how the saved chains get one.
    /// </summary>
    /// <typeparam name="TItem">The raw item type of <paramref name="source"/> (e.g. <c>long</c> for <c>Vector&lt;Int64, 1&gt;</c>).</typeparam>
    /// <typeparam name="TValue">The value type (<c>float</c>, <c>ReadOnlyMemory&lt;char&gt;</c>, …).</typeparam>
    /// <exception cref="InvalidOperationException">Two keys hash alike (the lookup would be ambiguous).</exception>
    public void AddHashLookup<TItem, TValue>(string source, string hashColumn, string valueColumn, int numberOfBits, IReadOnlyList<TItem[]> keys, IReadOnlyList<TValue> values)
    {
        var definition = SchemaDefinition.Create(typeof(KeyRow<TItem>));
        definition[0].ColumnName = source;
        definition[0].ColumnType = _view.Schema[source].Type;
        var keyView = _ml.Data.LoadFromEnumerable(keys.Select(k => new KeyRow<TItem> { Key = k }), definition);
        var hasher = _ml.Transforms.Conversion.Hash(new HashingEstimator.ColumnOptions(hashColumn, source, numberOfBits: numberOfBits, combine: true)).Fit(keyView);
        uint[] hashes = hasher.Transform(keyView).GetColumn<uint>(hashColumn).ToArray();
        if (hashes.Distinct().Count() != hashes.Length)
            throw new InvalidOperationException($"Internal error: two keys of the lookup on '{source}' hash alike.");
        Add(hasher);
        Add(_ml.Transforms.Conversion.MapValue(valueColumn, hashes.Select((h, i) => new KeyValuePair<uint, TValue>(h, values[i])), hashColumn));
    }

    /// <summary>
    /// Adds <c>(x - offset[k]) · scale[k]</c> per slot as an ML.NET min-max normaliser fitted on two crafted
    /// rows, and returns the offsets and scales the normaliser actually holds (the fast path uses them).
    /// </summary>
    public (string Column, float[] Offset, float[] Scale) AddSlotAffine(string source, float[] targetScale, float[] targetOffsetAfterScale)
    {
        // Wanted: y = a_k·x + c_k = (x - o_k)·a_k with o_k = -c_k / a_k. Min-max maps [min, max] to [0, 1],
        // i.e. y = (x - min)·(1/(max - min)): min = o_k, max = o_k + 1/a_k.
        int k = targetScale.Length;
        var low = new float[k];
        var high = new float[k];
        for (int i = 0; i < k; i++)
        {
            double offset = -targetOffsetAfterScale[i] / (double)targetScale[i];
            low[i] = (float)offset;
            high[i] = (float)(offset + 1.0 / targetScale[i]);
        }
        string column = Intermediate("affine");
        var definition = SchemaDefinition.Create(typeof(VectorRow));
        definition[0].ColumnName = source;
        definition[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, k);
        var crafted = _ml.Data.LoadFromEnumerable(new[] { new VectorRow { Values = low }, new VectorRow { Values = high } }, definition);
        var normalizer = _ml.Transforms.NormalizeMinMax(column, source, fixZero: false).Fit(crafted);
        var parameters = (NormalizingTransformer.AffineNormalizerModelParameters<System.Collections.Immutable.ImmutableArray<float>>)
            normalizer.GetNormalizerModelParameters(0);
        var offsets = parameters.Offset.IsDefaultOrEmpty ? new float[k] : parameters.Offset.ToArray();
        Add(normalizer);
        return (column, offsets, parameters.Scale.ToArray());
    }

    private sealed class IntRow
    {
        public int Value { get; set; }
    }

    private sealed class KeyRow<T>
    {
        public T[] Key { get; set; } = [];
    }

    private sealed class VectorRow
    {
        public float[] Values { get; set; } = [];
    }
}

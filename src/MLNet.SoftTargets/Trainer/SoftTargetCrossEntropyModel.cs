using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using MLNet.SoftTargets.Graphs.Blocks;
using MLNet.SoftTargets.Persistence;

namespace MLNet.SoftTargets;

/// <summary>
/// A model trained by <see cref="SoftTargetCrossEntropyTrainer"/>. Adds the columns of every ML.NET multiclass model:
/// <c>Score</c> (<c>Vector&lt;Single, K&gt;</c>, class probabilities) and <c>PredictedLabel</c> (a key with the label's
/// key values), plus <c>Logits</c> and <c>Embedding</c> when the options asked for them.
/// </summary>
/// <remarks>
/// The model <em>is</em> a chain of stock ML.NET components — the inference graph behind <c>ApplyOnnxModel</c>, then
/// <c>Hash</c> / <c>MapValue</c> / <c>MapValueToKey</c> to turn the arg-max index into a key — so it saves with
/// <c>mlContext.Model.Save</c> and loads with <c>mlContext.Model.Load</c> without this library, giving the same
/// scores and schema. Limitation of ML.NET 5.0.1's <c>ApplyOnnxModel</c>: its output columns carry no slot names,
/// so <c>Score</c> has none; the class names are <see cref="ClassNames"/> and the key values of <c>PredictedLabel</c>.
/// Scoring needs a native ONNX Runtime package in the application (see the README).
/// </remarks>
public sealed class SoftTargetCrossEntropyModel : ITransformer
{
    private const string ArgMaxColumn = "PredictedLabel.softtarget.index";
    private readonly ClassifierHead _head;
    private readonly Dictionary<string, float[]> _parameters;
    private readonly TransformerChain<ITransformer> _chain;

    internal SoftTargetCrossEntropyModel(ClassifierHead head, IReadOnlyDictionary<string, float[]> parameters, string featureColumnName, DataViewType featureType,
        string[] classNames, bool outputLogits, bool outputEmbedding, IReadOnlyList<TrainingProgress> history)
    {
        _head = head;
        _parameters = parameters.ToDictionary(p => p.Key, p => (float[])p.Value.Clone());
        FeatureColumnName = featureColumnName;
        ClassNames = classNames;
        History = history;
        _chain = BuildChain(featureColumnName, featureType, outputLogits, outputEmbedding);
    }

    /// <summary>The class names in key order (the label's key values as text).</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The feature column the model reads.</summary>
    public string FeatureColumnName { get; }

    /// <summary>K, the number of classes.</summary>
    public int ClassCount => _head.ClassCount;

    /// <summary>D, the number of features (the backbone's raw input size when there is one).</summary>
    public int FeatureCount => _head.RawInputSize;

    /// <summary>One report per trained epoch.</summary>
    public IReadOnlyList<TrainingProgress> History { get; }

    /// <summary>True: the model maps each row independently.</summary>
    public bool IsRowToRowMapper => true;

    internal ClassifierHead Head => _head;

    /// <summary>A copy of the trained parameters, by name (<c>layer{i}.weight</c> [in, out], <c>layer{i}.bias</c>).</summary>
    public IReadOnlyDictionary<string, float[]> GetParameters() => _parameters.ToDictionary(p => p.Key, p => (float[])p.Value.Clone());

    /// <summary>
    /// Writes the inference graph alone as an ONNX model: input <c>Features</c> [N, D], outputs <c>Score</c> [N, K]
    /// (softmax probabilities) and, with the options, <c>Logits</c> and <c>Embedding</c>.
    /// </summary>
    public void ExportOnnx(Stream stream, bool withLogits = false, bool withEmbedding = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var bytes = InferenceGraph.Build(_head, _parameters, withLogits, withEmbedding);
        stream.Write(bytes);
    }

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => _chain.GetOutputSchema(inputSchema);

    /// <inheritdoc/>
    public IDataView Transform(IDataView input) => _chain.Transform(input);

    /// <inheritdoc/>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => ((ITransformer)_chain).GetRowToRowMapper(inputSchema);

    void ICanSaveModel.Save(ModelSaveContext ctx) => ((ICanSaveModel)_chain).Save(ctx);

    private TransformerChain<ITransformer> BuildChain(string featureColumnName, DataViewType featureType, bool outputLogits, bool outputEmbedding)
    {
        var ml = new MLContext(seed: 0);
        var schema = new DataViewSchema.Builder();
        schema.AddColumn(featureColumnName, featureType);
        var view = (IDataView)new SchemaOnlyDataView(schema.ToSchema());
        var stages = new List<ITransformer>();
        void Add(ITransformer t)
        {
            stages.Add(t);
            view = t.Transform(view);
        }

        var outputs = new List<string> { InferenceGraph.Score, ArgMaxColumn };
        if (outputLogits)
            outputs.Add(InferenceGraph.Logits);
        if (outputEmbedding)
            outputs.Add(InferenceGraph.Embedding);
        var model = InferenceGraph.BuildPerRow(_head, _parameters, featureColumnName, ArgMaxColumn, outputLogits, outputEmbedding);
        Add(ml.Transforms.ApplyOnnxModel([.. outputs], [featureColumnName], new MemoryStream(model)).Fit(view));

        // ApplyOnnxModel gives the arg-max as Vector<Int64, 1> (it cannot read rank-0 outputs). Hash with combine
        // reduces it to a scalar key, a lookup turns each class's hash into its name, and MapValueToKey with the
        // class names as key data makes PredictedLabel a key with the label's values, in the label's order.
        string hashColumn = ArgMaxColumn + ".hash", nameColumn = ArgMaxColumn + ".name";
        var hasher = ml.Transforms.Conversion.Hash(new HashingEstimator.ColumnOptions(hashColumn, ArgMaxColumn, numberOfBits: 31, combine: true)).Fit(view);
        var indexSchema = SchemaDefinition.Create(typeof(IndexRow));
        indexSchema[0].ColumnName = ArgMaxColumn;
        var indices = ml.Data.LoadFromEnumerable(Enumerable.Range(0, ClassCount).Select(i => new IndexRow { Index = [i] }), indexSchema);
        uint[] hashes = hasher.Transform(indices).GetColumn<uint>(hashColumn).ToArray();
        if (hashes.Distinct().Count() != hashes.Length)
            throw new InvalidOperationException("Internal error: two class indices hash alike.");
        Add(hasher);
        var lookup = hashes.Select((h, i) => new KeyValuePair<uint, ReadOnlyMemory<char>>(h, ClassNames[i].AsMemory()));
        Add(ml.Transforms.Conversion.MapValue(nameColumn, lookup, hashColumn).Fit(view));
        var keyData = ml.Data.LoadFromEnumerable(ClassNames.Select(n => new NameRow { Name = n }));
        Add(ml.Transforms.Conversion.MapValueToKey("PredictedLabel", nameColumn, keyData: keyData).Fit(view));
        Add(ml.Transforms.DropColumns(ArgMaxColumn, hashColumn, nameColumn).Fit(view));
        return new TransformerChain<ITransformer>([.. stages]);
    }

    private sealed class IndexRow
    {
        [VectorType(1)]
        public long[] Index { get; set; } = [];
    }

    private sealed class NameRow
    {
        public string Name { get; set; } = "";
    }
}

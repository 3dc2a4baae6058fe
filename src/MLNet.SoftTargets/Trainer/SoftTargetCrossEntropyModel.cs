using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.SoftTargets.Graphs.Blocks;
using MLNet.SoftTargets.Persistence;

namespace MLNet.SoftTargets;

/// <summary>
/// A model trained by <see cref="SoftTargetCrossEntropyTrainer"/>. Adds the columns of every ML.NET multiclass model:
/// <c>Score</c> (<c>Vector&lt;Single, K&gt;</c>, class probabilities) and <c>PredictedLabel</c> (a key with the label's
/// key values), plus <c>Logits</c> and <c>Embedding</c> when the options asked for them.
/// </summary>
/// <remarks>
/// The model <em>is</em> a chain of stock ML.NET components (<see cref="ClassifierChain"/>: the inference graph behind
/// <c>ApplyOnnxModel</c>, then a lookup that turns the arg-max index into a key) — so it saves with
/// <c>mlContext.Model.Save</c> and loads with <c>mlContext.Model.Load</c> without this library, giving the same
/// scores and schema. Limitation of ML.NET 5.0.1's <c>ApplyOnnxModel</c>: its output columns carry no slot names,
/// so <c>Score</c> has none; the class names are <see cref="ClassNames"/> and the key values of <c>PredictedLabel</c>.
/// Scoring needs a native ONNX Runtime package in the application (see the README).
/// </remarks>
public sealed class SoftTargetCrossEntropyModel : ITransformer
{
    private readonly ClassifierNetwork _network;
    private readonly Dictionary<string, float[]> _parameters;
    private readonly TransformerChain<ITransformer> _chain;

    internal SoftTargetCrossEntropyModel(ClassifierNetwork network, IReadOnlyDictionary<string, float[]> parameters, string featureColumnName, DataViewType featureType,
        string[] classNames, bool outputLogits, bool outputEmbedding, IReadOnlyList<TrainingProgress> history)
    {
        _network = network;
        _parameters = parameters.ToDictionary(p => p.Key, p => (float[])p.Value.Clone());
        FeatureColumnName = featureColumnName;
        ClassNames = classNames;
        History = history;
        _chain = ClassifierChain.Build(network, _parameters, featureColumnName, featureType, classNames, outputLogits, outputEmbedding);
    }

    /// <summary>The class names in key order (the label's key values as text).</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The feature column the model reads.</summary>
    public string FeatureColumnName { get; }

    /// <summary>K, the number of classes.</summary>
    public int ClassCount => _network.ClassCount;

    /// <summary>D, the number of features (the backbone's raw input size when there is one).</summary>
    public int FeatureCount => _network.RawInputSize;

    /// <summary>One report per trained epoch.</summary>
    public IReadOnlyList<TrainingProgress> History { get; }

    /// <summary>True: the model maps each row independently.</summary>
    public bool IsRowToRowMapper => true;

    internal ClassifierNetwork Network => _network;

    /// <summary>A copy of the trained parameters, by name (<c>layer{i}.weight</c> [in, out], <c>layer{i}.bias</c>).</summary>
    public IReadOnlyDictionary<string, float[]> GetParameters() => _parameters.ToDictionary(p => p.Key, p => (float[])p.Value.Clone());

    /// <summary>
    /// Writes the inference graph alone as an ONNX model: input <c>Features</c> [N, D], outputs <c>Score</c> [N, K]
    /// (softmax probabilities) and, with the options, <c>Logits</c> and <c>Embedding</c>.
    /// </summary>
    public void ExportOnnx(Stream stream, bool withLogits = false, bool withEmbedding = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var bytes = InferenceGraph.Build(_network, _parameters, withLogits, withEmbedding);
        stream.Write(bytes);
    }

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => _chain.GetOutputSchema(inputSchema);

    /// <inheritdoc/>
    public IDataView Transform(IDataView input) => _chain.Transform(input);

    /// <inheritdoc/>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => ((ITransformer)_chain).GetRowToRowMapper(inputSchema);

    void ICanSaveModel.Save(ModelSaveContext ctx) => ((ICanSaveModel)_chain).Save(ctx);
}

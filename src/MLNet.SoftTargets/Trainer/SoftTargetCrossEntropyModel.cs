using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.SoftTargets.Graphs.Blocks;
using MLNet.SoftTargets.Persistence;
using MLNet.SoftTargets.Scoring;

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
/// scores and schema. In memory it scores through <see cref="FastClassifier"/> instead (a managed kernel for small heads,
/// ONNX Runtime in blocks of rows for large ones): same schema, same values to float rounding. <c>Score</c>'s slot names
/// are the class names. Scoring needs a native ONNX Runtime package in the application (see the README).
/// <para>
/// <b>Disposal.</b> The model owns native resources: the stock chain's <c>OnnxTransformer</c> (an ONNX Runtime session and
/// an open stream on the per-row graph's temporary file), that temporary file, and the fast scorer's session (with the IO
/// bindings of the cursors still open). <see cref="Dispose"/> releases all of them and deletes the file; it waits for
/// ONNX Runtime calls in flight and is idempotent. Afterwards <see cref="Transform"/>, <see cref="GetOutputSchema"/>,
/// <see cref="GetRowToRowMapper"/>, saving and <see cref="ExportOnnx"/> throw <see cref="ObjectDisposedException"/> naming the
/// model, and so does the next scored row of any view, cursor or <see cref="PredictionEngine{TSrc, TDst}"/> made from it
/// (they never keep the model alive); <see cref="ClassNames"/>, the sizes, <see cref="History"/> and
/// <see cref="GetParameters"/> stay readable. A model saved before it was disposed loads and scores as before. An undisposed
/// model is released by finalizers, at the garbage collector's pace.
/// </para>
/// </remarks>
public sealed class SoftTargetCrossEntropyModel : ITransformer, IDisposable
{
    private readonly ClassifierNetwork? _network;
    private readonly Dictionary<string, float[]> _parameters;
    private readonly TransformerChain<ITransformer> _chain;
    private readonly TemporaryFile? _graphFile;
    private readonly FastClassifier _fast;
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<DataViewSchema, DataViewSchema> _outputSchemas = new();
    private int _disposed;

    internal SoftTargetCrossEntropyModel(ClassifierNetwork network, IReadOnlyDictionary<string, float[]> parameters, string featureColumnName, DataViewType featureType,
        string[] classNames, bool outputLogits, bool outputEmbedding, IReadOnlyList<TrainingProgress> history)
    {
        _network = network;
        _parameters = parameters.ToDictionary(p => p.Key, p => (float[])p.Value.Clone());
        History = history;
        (_chain, Spec, _graphFile) = ClassifierChain.Build(network, _parameters, featureColumnName, featureType, classNames, outputLogits, outputEmbedding);
        _fast = FastClassifier.Create(Spec, _parameters, () => InferenceGraph.Build(network, _parameters, withLogits: true, Spec.OutputEmbedding, withScore: false));
    }

    /// <summary>
    /// A model read back from its saved stock chain (<c>LoadWithFastScoring</c>): the chain stays what it saves as, and the
    /// model owns it (ML.NET deletes the loaded graph's temporary copy when the chain is disposed).
    /// </summary>
    internal SoftTargetCrossEntropyModel(ClassifierSpec spec, IReadOnlyDictionary<string, float[]> parameters, TransformerChain<ITransformer> chain, Func<byte[]> batchedGraph)
    {
        _network = spec.HasTrunk ? null : new ClassifierNetwork(spec.Head());
        _parameters = parameters.ToDictionary(p => p.Key, p => (float[])p.Value.Clone());
        History = [];
        Spec = spec;
        _chain = chain;
        _fast = FastClassifier.Create(spec, _parameters, batchedGraph);
    }

    /// <summary>The class names in key order (the label's key values as text); also the slot names of <c>Score</c>.</summary>
    public IReadOnlyList<string> ClassNames => Spec.ClassNames;

    /// <summary>The feature column the model reads.</summary>
    public string FeatureColumnName => Spec.FeatureColumnName;

    /// <summary>K, the number of classes.</summary>
    public int ClassCount => Spec.ClassCount;

    /// <summary>D, the number of features (the backbone's raw input size when there is one).</summary>
    public int FeatureCount => Spec.FeatureCount;

    /// <summary>One report per trained epoch (empty for a model loaded from a file).</summary>
    public IReadOnlyList<TrainingProgress> History { get; }

    /// <summary>True: the model maps each row independently.</summary>
    public bool IsRowToRowMapper => true;

    internal ClassifierSpec Spec { get; }

    /// <summary>The saved form: the chain of stock ML.NET components.</summary>
    internal TransformerChain<ITransformer> StockChain => _chain;

    internal FastClassifier Fast => _fast;

    /// <summary>The temporary file behind the stock chain's <c>ApplyOnnxModel</c> (a trained model's; null after a fast load).</summary>
    internal string? GraphFilePath => _graphFile?.Path;

    /// <summary>A copy of the trained parameters, by name (<c>layer{i}.weight</c> [in, out], <c>layer{i}.bias</c>).</summary>
    public IReadOnlyDictionary<string, float[]> GetParameters() => _parameters.ToDictionary(p => p.Key, p => (float[])p.Value.Clone());

    /// <summary>
    /// Writes the inference graph alone as an ONNX model: input <c>Features</c> [N, D], outputs <c>Score</c> [N, K]
    /// (softmax probabilities) and, with the options, <c>Logits</c> and <c>Embedding</c>. A row with a NaN or infinite
    /// feature is NaN in every output, as when the model scores it.
    /// </summary>
    public void ExportOnnx(Stream stream, bool withLogits = false, bool withEmbedding = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ThrowIfDisposed();
        var network = _network ?? throw new NotSupportedException("A model on a pretrained backbone that was loaded from a file cannot be exported on its own; export the trained model.");
        stream.Write(InferenceGraph.Build(network, _parameters, withLogits, withEmbedding, nonFiniteRowsAsNaN: true));
    }

    /// <summary>The stock chain's output schema, computed once per input schema (no call opens a session).</summary>
    /// <exception cref="ObjectDisposedException">The model was disposed.</exception>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        ThrowIfDisposed();
        return _outputSchemas.GetValue(inputSchema, _chain.GetOutputSchema);
    }

    /// <summary>Scores <paramref name="input"/> lazily, with the saved chain's schema and values (see <see cref="FastClassifier"/>).</summary>
    /// <exception cref="ObjectDisposedException">The model was disposed.</exception>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return _fast.Transform(input, GetOutputSchema(input.Schema));
    }

    /// <summary>A row mapper for <see cref="PredictionEngine{TSrc, TDst}"/> that scores a row without allocating.</summary>
    /// <exception cref="ObjectDisposedException">The model was disposed.</exception>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => _fast.CreateMapper(inputSchema, GetOutputSchema(inputSchema));

    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        ThrowIfDisposed();
        ((ICanSaveModel)_chain).Save(ctx);
    }

    /// <summary>
    /// Releases the fast scorer's ONNX Runtime session (after the calls in flight, and with the IO bindings of cursors still
    /// open), the stock chain's <c>OnnxTransformer</c> and its session, and deletes the temporary graph file. Idempotent.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _fast.Dispose();
        _chain.Dispose();
        _graphFile?.Dispose();
    }

    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) != 0)
            throw SessionSlot.ModelDisposed();
    }
}

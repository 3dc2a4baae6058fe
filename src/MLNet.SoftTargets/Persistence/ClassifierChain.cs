using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.SoftTargets.Graphs.Blocks;
using MLNet.SoftTargets.Scoring;

namespace MLNet.SoftTargets.Persistence;

/// <summary>
/// The trained model as a chain of stock ML.NET components, which is what it saves as and what stock
/// <c>mlContext.Model.Load</c> returns: the per-row inference graph behind <c>ApplyOnnxModel</c> (<c>Score</c>, the
/// arg-max index, and optionally <c>Logits</c> / <c>Embedding</c>), then a hash lookup from the index to the class
/// name and <c>MapValueToKey</c> with the class names as key data, so <c>PredictedLabel</c> is a key with the label's
/// values in the label's order.
/// </summary>
internal static class ClassifierChain
{
    public const string PredictedLabel = "PredictedLabel";

    /// <summary>
    /// The chain, the spec it carries (in the per-row graph's metadata, for <c>LoadWithFastScoring</c>) and the temporary
    /// file that <c>ApplyOnnxModel</c> reads the per-row graph from. The model bytes behind <c>ApplyOnnxModel</c> stay in
    /// the saved zip.
    /// </summary>
    /// <remarks>
    /// The caller owns both the chain (its <c>OnnxTransformer</c> holds a session and an open stream on the file; dispose
    /// it first) and the file (delete it after). We write the file ourselves because <c>ApplyOnnxModel</c> given a stream
    /// copies it to a temporary file that ML.NET 5.0.1 never deletes; given a path it reads the file on every save.
    /// </remarks>
    public static (TransformerChain<ITransformer> Chain, ClassifierSpec Spec, TemporaryFile GraphFile) Build(ClassifierNetwork network, IReadOnlyDictionary<string, float[]> parameters,
        string featureColumnName, DataViewType featureType, IReadOnlyList<string> classNames, bool outputLogits, bool outputEmbedding)
    {
        Engine.NativeRuntime.EnsureLoaded();
        var chain = new BuiltInChainBuilder(featureColumnName, featureType, null, PredictedLabel);
        var ml = chain.Context;
        string index = chain.Intermediate("index"), hash = chain.Intermediate("index.hash"), name = chain.Intermediate("index.name");

        var outputs = new List<string> { InferenceGraph.Score, index };
        if (outputLogits)
            outputs.Add(InferenceGraph.Logits);
        if (outputEmbedding)
            outputs.Add(InferenceGraph.Embedding);
        var perRow = InferenceGraph.BuildPerRow(network, parameters, featureColumnName, index, outputLogits, outputEmbedding, classNames);
        var spec = new ClassifierSpec
        {
            FeatureColumnName = featureColumnName, FeatureCount = network.RawInputSize, ClassNames = [.. classNames], HiddenSizes = network.Head.HiddenSizes,
            CosineScale = network.Head.CosineScale, EmbeddingSize = network.EmbeddingSize, HasTrunk = network.Trunk is not null,
            OutputLogits = outputLogits, OutputEmbedding = outputEmbedding, Parameters = network.Parameters,
            CoreInput = perRow.CoreInput, CoreLogits = perRow.CoreLogits, CoreEmbedding = perRow.CoreEmbedding,
        };
        perRow.Builder.Metadata[ClassifierSpec.MetadataKey] = spec.ToJson();
        var file = TemporaryFile.Write(perRow.Builder.ToBytes(), ".onnx");
        try
        {
            var onnx = ml.Transforms.ApplyOnnxModel([.. outputs], [featureColumnName], file.Path);
            SessionCounter.Count();
            chain.Add(onnx);

            // ApplyOnnxModel gives the arg-max as Vector<Int64, 1> (it cannot read rank-0 outputs): look its class name up.
            var indices = Enumerable.Range(0, classNames.Count).Select(i => new[] { (long)i }).ToArray();
            chain.AddHashLookup(index, hash, name, numberOfBits: 31, indices, classNames.Select(n => n.AsMemory()).ToArray());
            var keyData = ml.Data.LoadFromEnumerable(classNames.Select(n => new NameRow { Name = n }));
            chain.Add(ml.Transforms.Conversion.MapValueToKey(PredictedLabel, name, keyData: keyData));
            return (chain.Build(), spec, file);
        }
        catch
        {
            chain.DisposeStages();
            file.Dispose();
            throw;
        }
    }

    private sealed class NameRow
    {
        public string Name { get; set; } = "";
    }
}

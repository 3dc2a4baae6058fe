using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.SoftTargets.Graphs;
using MLNet.SoftTargets.Graphs.Blocks;

namespace MLNet.SoftTargets.Persistence;

/// <summary>
/// Schema propagation at the <see cref="SchemaShape"/> level for our estimators. <see cref="SchemaShape.Column"/> has no
/// public constructor, so each output shape is asked of the same stock estimators our components save as — one
/// technique for all: a key becomes a vector through <c>MapKeyToVector</c>, a soft target or score through
/// <c>Expression</c> (which keeps only slot names), the model's outputs through <c>ApplyOnnxModel</c> on a stand-in graph
/// (shapes carry no sizes; asked once per process, so no call opens a session) and <c>PredictedLabel</c> as a copy of the
/// label key.
/// </summary>
internal static class StockSchemaShapes
{
    private static readonly MLContext Context = new(seed: 0);

    /// <summary>
    /// The input shape plus <paramref name="outputColumnName"/> as a float vector, with slot names when the input key has
    /// key values or the input vector has slot names.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or is neither a key nor a float vector.</exception>
    public static SchemaShape SoftTarget(SchemaShape inputSchema, string inputColumnName, string outputColumnName)
    {
        bool isKey = SoftTargetInputColumn.CheckShape(inputSchema, inputColumnName, nameof(inputColumnName));
        var shape = inputSchema;
        string source = inputColumnName;
        if (isKey)
        {
            source = outputColumnName + ".softtarget.onehot";
            shape = Context.Transforms.Conversion.MapKeyToVector(source, inputColumnName).GetOutputSchema(shape);
        }
        shape = Context.Transforms.Expression(outputColumnName, "x => x", source).GetOutputSchema(shape);
        return isKey ? new SchemaShape(shape.Where(c => c.Name != source)) : shape;
    }

    /// <summary>The input shape plus the trained model's columns: <c>Score</c>, <c>PredictedLabel</c> (a key like the label) and optionally <c>Logits</c>, <c>Embedding</c>.</summary>
    /// <remarks>
    /// Opens no ONNX Runtime session: the shapes of <c>Score</c>, <c>Logits</c> and <c>Embedding</c> do not depend on the
    /// input (shapes carry no sizes), so they are asked of <c>ApplyOnnxModel</c> once per process (<see cref="ModelOutputShapes"/>)
    /// and reused; the feature check <c>ApplyOnnxModel</c> made (a <c>Single</c> item type) is made here.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">The label column is missing or not a key, or the feature column is missing or not of Single.</exception>
    public static SchemaShape ClassifierOutput(SchemaShape input, string labelColumnName, string featureColumnName, bool outputLogits, bool outputEmbedding)
    {
        ColumnContract.RequireKeyLabelShape(input, labelColumnName, "LabelColumnName");
        var features = ColumnContract.FindShape(input, featureColumnName, "FeatureColumnName");
        if (features.ItemType != NumberDataViewType.Single)
            throw ColumnContract.Mismatch(featureColumnName, "FeatureColumnName", "input schema", ColumnContract.Describe(features), "a vector of Single");
        // As ApplyOnnxModel did: the input columns in order, an output of an existing name in its place, new ones appended.
        var result = input.ToDictionary(c => c.Name);
        foreach (var column in ModelOutputShapes.Value)
        {
            if (column.Name == InferenceGraph.Score || (outputLogits && column.Name == InferenceGraph.Logits) || (outputEmbedding && column.Name == InferenceGraph.Embedding))
                result[column.Name] = column;
        }
        return Context.Transforms.CopyColumns(ClassifierChain.PredictedLabel, labelColumnName).GetOutputSchema(new SchemaShape(result.Values));
    }

    /// <summary>
    /// <c>Score</c>, <c>Logits</c> and <c>Embedding</c> as <c>ApplyOnnxModel</c> declares them (known-size float vectors, no
    /// annotations), asked of it once on a stand-in graph with no inputs; its transformer is disposed and its file deleted
    /// right away. <see cref="SchemaShape.Column"/> has no public constructor, hence the stand-in.
    /// </summary>
    private static readonly Lazy<SchemaShape.Column[]> ModelOutputShapes = new(AskApplyOnnxModel, LazyThreadSafetyMode.PublicationOnly);

    /// <summary>The shapes, asked of a stand-in (a failure, e.g. no native ONNX Runtime, is not cached).</summary>
    private static SchemaShape.Column[] AskApplyOnnxModel()
    {
        var builder = new GraphBuilder();
        string constant = builder.AddInitializer("zero", [0.0], [1]);
        string[] names = [InferenceGraph.Score, InferenceGraph.Logits, InferenceGraph.Embedding];
        foreach (var name in names)
            builder.AddOutput(constant, name);
        using var file = TemporaryFile.Write(builder.ToBytes(), ".onnx");
        var estimator = Context.Transforms.ApplyOnnxModel(names, [], file.Path);
        Scoring.SessionCounter.Count();
        using var transformer = estimator.Fit(new SchemaOnlyDataView(new DataViewSchema.Builder().ToSchema()));
        var shape = estimator.GetOutputSchema(new SchemaShape([]));
        return [.. names.Select(n => shape.Single(c => c.Name == n))];
    }
}

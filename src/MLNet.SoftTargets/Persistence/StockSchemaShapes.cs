using Microsoft.ML;
using MLNet.SoftTargets.Graphs.Blocks;

namespace MLNet.SoftTargets.Persistence;

/// <summary>
/// Schema propagation at the <see cref="SchemaShape"/> level for our estimators. <see cref="SchemaShape.Column"/> has no
/// public constructor, so each output shape is asked of the same stock estimators our components save as — one
/// technique for all: a key becomes a vector through <c>MapKeyToVector</c>, a soft target or score through
/// <c>Expression</c> (which keeps only slot names), the model's outputs through <c>ApplyOnnxModel</c> on a stand-in graph
/// (shapes carry no sizes) and <c>PredictedLabel</c> as a copy of the label key.
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
    /// <exception cref="ArgumentOutOfRangeException">The label column is missing or not a key, or the feature column is missing.</exception>
    public static SchemaShape ClassifierOutput(SchemaShape input, string labelColumnName, string featureColumnName, bool outputLogits, bool outputEmbedding)
    {
        ColumnContract.RequireKeyLabelShape(input, labelColumnName, "LabelColumnName");
        ColumnContract.FindShape(input, featureColumnName, "FeatureColumnName");
        var standIn = new ClassifierNetwork(new ClassifierHead(1, 2, [], null));
        var zeros = standIn.Parameters.ToDictionary(p => p.Name, p => new float[p.Length]);
        var graph = InferenceGraph.BuildPerRow(standIn, zeros, featureColumnName, "Score.argmax", outputLogits, outputEmbedding, ["a", "b"]).Builder.ToBytes();
        var outputs = new List<string> { InferenceGraph.Score };
        if (outputLogits)
            outputs.Add(InferenceGraph.Logits);
        if (outputEmbedding)
            outputs.Add(InferenceGraph.Embedding);
        var shape = Context.Transforms.ApplyOnnxModel([.. outputs], [featureColumnName], new MemoryStream(graph)).GetOutputSchema(input);
        return Context.Transforms.CopyColumns(ClassifierChain.PredictedLabel, labelColumnName).GetOutputSchema(shape);
    }
}

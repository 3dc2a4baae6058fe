using Microsoft.ML;
using MLNet.SoftTargets.Graphs.Blocks;

namespace MLNet.SoftTargets;

/// <summary>
/// The <see cref="SchemaShape"/> a trained model produces. <see cref="SchemaShape.Column"/> has no public constructor,
/// so the shape is asked of the same stock components the model is made of: <c>ApplyOnnxModel</c> (on a one-class-wide
/// stand-in graph; shapes carry no sizes) for <c>Score</c>, and a copy of the label for <c>PredictedLabel</c>.
/// </summary>
internal static class OutputShape
{
    private static readonly MLContext Context = new(seed: 0);

    public static SchemaShape Of(SchemaShape input, SoftTargetCrossEntropyTrainer.Options options)
    {
        var label = input.Where(c => c.Name == options.LabelColumnName).Select(c => (SchemaShape.Column?)c).FirstOrDefault()
            ?? throw new ArgumentOutOfRangeException(nameof(options.LabelColumnName), options.LabelColumnName, $"Label column '{options.LabelColumnName}' was not found in the input schema.");
        if (!label.IsKey)
            throw new ArgumentOutOfRangeException(nameof(options.LabelColumnName), options.LabelColumnName, $"Label column '{options.LabelColumnName}' must be a key (e.g. from MapValueToKey).");
        if (!input.Any(c => c.Name == options.FeatureColumnName))
            throw new ArgumentOutOfRangeException(nameof(options.FeatureColumnName), options.FeatureColumnName, $"Feature column '{options.FeatureColumnName}' was not found in the input schema.");

        var head = new ClassifierHead(1, 2, [], null);
        var standIn = InferenceGraph.BuildPerRow(head, head.CreateParameters(new Random(0)).ToDictionary(p => p.Name, p => p.Initial),
            options.FeatureColumnName, "Score.argmax", options.OutputLogits, options.OutputEmbedding);
        var outputs = new List<string> { InferenceGraph.Score };
        if (options.OutputLogits)
            outputs.Add(InferenceGraph.Logits);
        if (options.OutputEmbedding)
            outputs.Add(InferenceGraph.Embedding);
        var shape = Context.Transforms.ApplyOnnxModel([.. outputs], [options.FeatureColumnName], new MemoryStream(standIn)).GetOutputSchema(input);
        return Context.Transforms.CopyColumns("PredictedLabel", options.LabelColumnName).GetOutputSchema(shape);
    }
}

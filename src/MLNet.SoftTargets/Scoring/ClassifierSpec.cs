using System.Text.Json;
using MLNet.SoftTargets.Graphs.Blocks;

namespace MLNet.SoftTargets.Scoring;

/// <summary>
/// What the scorers need to know about a trained classifier, apart from its parameter values: sizes, head layout,
/// class names, output columns, and the names of the batch-agnostic core inside the per-row graph (what scores raw
/// examples [N, D] into logits [N, K] and embeddings [N, E]). It travels inside the saved model, as JSON in the
/// per-row ONNX graph's <c>metadata_props</c> under <see cref="MetadataKey"/>, so <c>LoadWithFastScoring</c> can
/// recognise our models in any model zip and rebuild the fast scorer.
/// </summary>
internal sealed record ClassifierSpec
{
    /// <summary>The metadata key that marks a per-row graph made by this library.</summary>
    public const string MetadataKey = "mlnet.softtargets.classifier";

    /// <summary>The format of this record; a model of another format is left to stock ML.NET.</summary>
    public const int CurrentFormat = 1;

    public int Format { get; init; } = CurrentFormat;

    public required string FeatureColumnName { get; init; }

    /// <summary>D, values per raw example.</summary>
    public required int FeatureCount { get; init; }

    public required IReadOnlyList<string> ClassNames { get; init; }

    public int ClassCount => ClassNames.Count;

    public required IReadOnlyList<int> HiddenSizes { get; init; }

    public double? CosineScale { get; init; }

    public required int EmbeddingSize { get; init; }

    /// <summary>Whether a pretrained trunk sits below the head (then only ONNX Runtime scores it).</summary>
    public required bool HasTrunk { get; init; }

    public required bool OutputLogits { get; init; }

    public required bool OutputEmbedding { get; init; }

    /// <summary>The trained tensors (initializers of the per-row graph, by these names).</summary>
    public required IReadOnlyList<ParameterShape> Parameters { get; init; }

    /// <summary>The core's input [N, D] in the per-row graph.</summary>
    public required string CoreInput { get; init; }

    /// <summary>The core's logits [N, K].</summary>
    public required string CoreLogits { get; init; }

    /// <summary>The core's penultimate features [N, E].</summary>
    public required string CoreEmbedding { get; init; }

    /// <summary>The head alone (no trunk): its layers from the spec.</summary>
    /// <exception cref="InvalidOperationException">The classifier has a trunk.</exception>
    public ClassifierHead Head()
    {
        if (HasTrunk)
            throw new InvalidOperationException("A classifier on a pretrained trunk has no managed head.");
        return new ClassifierHead(FeatureCount, ClassCount, HiddenSizes, CosineScale);
    }

    public string ToJson() => JsonSerializer.Serialize(this);

    /// <summary>The spec in <paramref name="json"/>, or null when it is not one of <see cref="CurrentFormat"/>.</summary>
    public static ClassifierSpec? FromJson(string json)
    {
        try
        {
            var spec = JsonSerializer.Deserialize<ClassifierSpec>(json);
            return spec is { Format: CurrentFormat } ? spec : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

using Google.Protobuf;
using Onnx;
using MLNet.SoftTargets.Backbones;
using MLNet.SoftTargets.Graphs.Blocks;

namespace MLNet.SoftTargets.Scoring;

/// <summary>
/// Reads back what a saved per-row graph (<see cref="InferenceGraph.BuildPerRow"/>) carries: its <see cref="ClassifierSpec"/>,
/// the trained parameter values, and its batch-agnostic core as a batched scoring graph.
/// </summary>
internal static class PerRowGraphs
{
    /// <summary>The spec in <paramref name="model"/>'s metadata, or null when the graph is not one of ours (of this format).</summary>
    public static ClassifierSpec? SpecOf(ModelProto model) =>
        model.MetadataProps.FirstOrDefault(p => p.Key == ClassifierSpec.MetadataKey) is { } entry ? ClassifierSpec.FromJson(entry.Value) : null;

    /// <summary>The trained tensors, by the names the spec lists.</summary>
    /// <exception cref="InvalidDataException">A tensor is missing or has another size.</exception>
    public static Dictionary<string, float[]> Parameters(ModelProto model, ClassifierSpec spec)
    {
        var initializers = model.Graph.Initializer.ToDictionary(t => t.Name);
        var values = new Dictionary<string, float[]>();
        foreach (var p in spec.Parameters)
        {
            if (!initializers.TryGetValue(p.Name, out var tensor) || BackboneImport.Values(tensor) is not { } data || data.Length != p.Length)
                throw new InvalidDataException($"The saved classifier lacks parameter '{p.Name}' ({string.Join("×", p.Shape)}).");
            values[p.Name] = data;
        }
        return values;
    }

    /// <summary>
    /// The core cut out as its own graph: <c>Features</c> [N, D] → <c>Logits</c> [N, K] and, with
    /// <paramref name="withEmbedding"/>, <c>Embedding</c> [N, E]; the per-row wrapper (reshapes, arg-max, slot names) is left behind.
    /// </summary>
    public static byte[] Batched(ModelProto perRow, ClassifierSpec spec, bool withEmbedding)
    {
        var graph = perRow.Graph;
        var keep = BackboneImport.Between(graph, spec.CoreInput, spec.CoreLogits).ToHashSet();
        if (withEmbedding)
            keep.UnionWith(BackboneImport.Between(graph, spec.CoreInput, spec.CoreEmbedding));
        var renames = new Dictionary<string, string> { [spec.CoreInput] = InferenceGraph.Features, [spec.CoreLogits] = InferenceGraph.Logits };
        bool embeddingIsInput = spec.CoreEmbedding == spec.CoreInput;
        if (withEmbedding && !embeddingIsInput)
            renames[spec.CoreEmbedding] = InferenceGraph.Embedding;

        var batched = new GraphProto { Name = "batched" };
        foreach (var node in graph.Node.Where(keep.Contains))
        {
            var copy = node.Clone();
            for (int i = 0; i < copy.Input.Count; i++)
                copy.Input[i] = renames.GetValueOrDefault(copy.Input[i], copy.Input[i]);
            for (int i = 0; i < copy.Output.Count; i++)
                copy.Output[i] = renames.GetValueOrDefault(copy.Output[i], copy.Output[i]);
            batched.Node.Add(copy);
        }
        if (withEmbedding && embeddingIsInput)
        {
            // A linear head's penultimate features are its input.
            var identity = new NodeProto { OpType = "Identity", Name = "embedding_identity" };
            identity.Input.Add(InferenceGraph.Features);
            identity.Output.Add(InferenceGraph.Embedding);
            batched.Node.Add(identity);
        }
        var used = batched.Node.SelectMany(n => n.Input).ToHashSet();
        batched.Initializer.AddRange(graph.Initializer.Where(t => used.Contains(t.Name)).Select(t => t.Clone()));
        batched.Input.Add(FloatTensor(InferenceGraph.Features, spec.FeatureCount));
        batched.Output.Add(FloatTensor(InferenceGraph.Logits, spec.ClassCount));
        if (withEmbedding)
            batched.Output.Add(FloatTensor(InferenceGraph.Embedding, spec.EmbeddingSize));

        var model = new ModelProto { IrVersion = perRow.IrVersion, ProducerName = perRow.ProducerName, Graph = batched };
        model.OpsetImport.AddRange(perRow.OpsetImport.Where(o => o.Domain.Length == 0).Select(o => o.Clone()));
        return model.ToByteArray();
    }

    private static ValueInfoProto FloatTensor(string name, int width)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "N" });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = width });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}

using System.IO.Compression;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Onnx;
using Onnx;

namespace MLNet.SoftTargets.Scoring;

/// <summary>
/// <c>LoadWithFastScoring</c>: loads a model zip exactly as <c>mlContext.Model.Load</c> does, then replaces, wherever it
/// sits in the (nested) chains, every stock chain that one of our components saved as by the component itself — a
/// <see cref="SoftTargetCrossEntropyModel"/> for a classifier, a <see cref="TemperatureScalingTransformer"/> for a
/// temperature calibrator, and one <see cref="CalibratedClassifier"/> for a classifier followed by its calibrator.
/// Everything else is returned as loaded. The components save as the same stock chains, so a model re-saved after a fast
/// load still loads without this library.
/// </summary>
/// <remarks>
/// Ownership: our model takes over the loaded chain it replaces (its <c>OnnxTransformer</c> holds a session and a temporary
/// copy of the graph that ML.NET deletes when the transformer is disposed) and disposes it; the outer chain returned is a
/// <c>TransformerChain</c>, whose <c>Dispose</c> disposes every stage.
/// </remarks>
/// <remarks>
/// Recognition reads only what the saved stages show: a classifier is a chain of five stages whose first is an
/// <see cref="OnnxTransformer"/> over a graph carrying our <see cref="ClassifierSpec"/> (its bytes are read back by saving
/// that one stage to memory and opening the zip entry <c>OnnxModel</c>, ML.NET's length-prefixed byte array); a calibrator
/// is a chain whose intermediate columns include <c>{Score}.softtarget.temperature={T}</c>. Nothing is reflected.
/// </remarks>
internal static class FastScoringLoader
{
    private const int ClassifierStages = 5;

    public static ITransformer Load(MLContext ml, Stream stream, out DataViewSchema inputSchema)
    {
        var model = ml.Model.Load(stream, out inputSchema);
        try
        {
            return Replace(ml, model, inputSchema);
        }
        catch
        {
            // The loaded stages (their ONNX Runtime sessions and temporary model files) would otherwise wait for finalizers.
            (model as IDisposable)?.Dispose();
            throw;
        }
    }

    private static ITransformer Replace(MLContext ml, ITransformer transformer, DataViewSchema inputSchema)
    {
        if (transformer is not TransformerChain<ITransformer> chain)
            return transformer;
        if (TryClassifier(ml, chain) is { } classifier)
            return classifier;
        if (TryCalibrator(chain, inputSchema) is { } calibrator)
            return calibrator;

        var stages = new List<ITransformer>();
        var schema = inputSchema;
        foreach (var stage in chain)
        {
            var replaced = Replace(ml, stage, schema);
            if (replaced is TemperatureScalingTransformer t && stages.Count > 0 && stages[^1] is SoftTargetCrossEntropyModel model
                && t.InputColumnName == Graphs.Blocks.InferenceGraph.Score)
                stages[^1] = new CalibratedClassifier(model, t);
            else
                stages.Add(replaced);
            schema = stage.GetOutputSchema(schema);
        }
        return new TransformerChain<ITransformer>([.. stages]);
    }

    private static SoftTargetCrossEntropyModel? TryClassifier(MLContext ml, TransformerChain<ITransformer> chain)
    {
        var stages = chain.ToArray();
        if (stages.Length != ClassifierStages || stages[0] is not OnnxTransformer onnx)
            return null;
        var graph = ModelProto.Parser.ParseFrom(OnnxBytes(ml, onnx));
        if (PerRowGraphs.SpecOf(graph) is not { } spec)
            return null;
        var parameters = PerRowGraphs.Parameters(graph, spec);
        return new SoftTargetCrossEntropyModel(spec, parameters, chain, () => PerRowGraphs.Batched(graph, spec, spec.OutputEmbedding));
    }

    private static TemperatureScalingTransformer? TryCalibrator(TransformerChain<ITransformer> chain, DataViewSchema inputSchema)
    {
        var schema = inputSchema;
        foreach (var stage in chain)
        {
            if (stage is TransformerChain<ITransformer>)
                return null;
            schema = stage.GetOutputSchema(schema);
            foreach (var column in schema)
            {
                int marker = column.Name.LastIndexOf(".softtarget." + SharpeningMapping.TemperatureRole, StringComparison.Ordinal);
                if (marker <= 0)
                    continue;
                string scoreName = column.Name[..marker];
                string text = column.Name[(marker + ".softtarget.".Length + SharpeningMapping.TemperatureRole.Length)..];
                if (!double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double temperature))
                    return null;
                var score = SoftTargetInputColumn.FromSchema(inputSchema, scoreName, "scoreColumnName");
                return new TemperatureScalingTransformer(score, temperature);
            }
        }
        return null;
    }

    /// <summary>The ONNX model behind a loaded <see cref="OnnxTransformer"/>, read from the stage saved on its own.</summary>
    private static byte[] OnnxBytes(MLContext ml, OnnxTransformer onnx)
    {
        using var saved = new MemoryStream();
        ml.Model.Save(onnx, null, saved);
        saved.Position = 0;
        using var zip = new ZipArchive(saved, ZipArchiveMode.Read);
        var entry = zip.Entries.SingleOrDefault(e => e.Name == "OnnxModel")
            ?? throw new InvalidDataException("A saved ApplyOnnxModel stage has no OnnxModel entry.");
        using var reader = new BinaryReader(entry.Open());
        int length = reader.ReadInt32();
        return reader.ReadBytes(length);
    }
}

using MLNet.SoftTargets.Scoring;

namespace Microsoft.ML;

/// <summary>
/// Loading models with this library's fast scoring (<c>mlContext.Model.LoadWithFastScoring(...)</c>) and exporting a
/// whole pipeline as one ONNX graph (<c>mlContext.Model.ExportToOnnx(...)</c>). In
/// <c>namespace Microsoft.ML</c> so no extra <c>using</c> is needed.
/// </summary>
public static class SoftTargetModelCatalog
{
    /// <summary>
    /// Loads a model zip exactly as <c>mlContext.Model.Load</c> does, then hands back every <c>SoftTargetCrossEntropy</c>
    /// model and every temperature calibrator inside it as the library's fast component (a calibrator of our model's
    /// <c>Score</c> is folded into the model: one pass computes <c>softmax(z / T)</c>). Everything else is as loaded. The
    /// components save as the same stock chains, so the file format does not change and loading without this library
    /// keeps working.
    /// </summary>
    /// <remarks>
    /// The result holds ONNX Runtime sessions and temporary files: dispose it (<c>(model as IDisposable)?.Dispose()</c>;
    /// the returned chains and models are <see cref="IDisposable"/>) when done, as for any model with <c>ApplyOnnxModel</c>.
    /// </remarks>
    /// <param name="catalog">The model operations catalog.</param>
    /// <param name="filePath">The model zip.</param>
    /// <param name="inputSchema">The schema the model was saved with (null when it was saved without one).</param>
    /// <exception cref="InvalidOperationException">No native ONNX Runtime is in the application.</exception>
    public static ITransformer LoadWithFastScoring(this ModelOperationsCatalog catalog, string filePath, out DataViewSchema inputSchema)
    {
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        using var stream = File.OpenRead(filePath);
        return LoadWithFastScoring(catalog, stream, out inputSchema);
    }

    /// <summary>Loads a model zip from <paramref name="stream"/>; see the file overload.</summary>
    /// <param name="catalog">The model operations catalog.</param>
    /// <param name="stream">The model zip.</param>
    /// <param name="inputSchema">The schema the model was saved with (null when it was saved without one).</param>
    /// <exception cref="InvalidOperationException">No native ONNX Runtime is in the application.</exception>
    public static ITransformer LoadWithFastScoring(this ModelOperationsCatalog catalog, Stream stream, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(stream);
        MLNet.SoftTargets.Engine.NativeRuntime.EnsureLoaded();
        // Catalog methods get no public handle to the user's MLContext; loading needs none of its state. ML.NET copies each
        // ONNX graph to a temporary file, which the loaded component deletes when it is disposed; keep them in our folder.
        return FastScoringLoader.Load(new MLContext { TempFilePath = MLNet.SoftTargets.Persistence.TemporaryFile.Folder }, stream, out inputSchema);
    }

    /// <summary>
    /// Writes a trained pipeline that contains a <c>SoftTargetCrossEntropy</c> model as one ONNX graph: the stock ML.NET
    /// stages before the model converted by ML.NET's own exporter (<c>ConvertToOnnx</c>; <c>SmoothLabels</c> and
    /// <c>SharpenLabels</c> make training targets and are left out), the model's network, the calibrators after it
    /// (<c>CalibrateTemperature</c>, <c>CalibrateVectorScaling</c>, <c>CalibrateDirichlet</c> on <c>Score</c>) and
    /// <c>MapKeyToValue</c> of <c>PredictedLabel</c>. Inputs: only the columns scoring reads (no label), batch dimension
    /// dynamic. Outputs: <c>Score</c> [N, K] (slot names in an <c>mlnet.Score.SlotNames</c> node, as ML.NET's exporter
    /// writes them) and <c>PredictedLabel</c> [N, 1] (uint32 keys counted from 1, or the label's text or Single values
    /// after <c>MapKeyToValue</c>). The graph runs in a plain ONNX Runtime session and loads back through
    /// <c>ApplyOnnxModel</c>.
    /// </summary>
    /// <param name="catalog">The model operations catalog.</param>
    /// <param name="model">The trained pipeline (a chain, or the model alone).</param>
    /// <param name="inputData">Data with the pipeline's input schema (its rows are not read beyond what ML.NET's exporter needs).</param>
    /// <param name="stream">Receives the ONNX model; nothing is written when the export fails.</param>
    /// <exception cref="NotSupportedException">A stage cannot be exported (the message names it and its position), or the pipeline has no (or more than one) <c>SoftTargetCrossEntropy</c> model.</exception>
    public static void ExportToOnnx(this ModelOperationsCatalog catalog, ITransformer model, IDataView inputData, Stream stream) =>
        MLNet.SoftTargets.Persistence.PipelineExport.Export(new MLContext(seed: 0), model, inputData, stream);
}

using Google.Protobuf;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using MLNet.SoftTargets.Graphs;
using Onnx;

namespace MLNet.SoftTargets.Persistence;

/// <summary>
/// <c>mlContext.Model.ExportToOnnx</c>: one ONNX graph for a trained pipeline around a <see cref="SoftTargetCrossEntropyModel"/>.
/// The stock stages before the model are converted by ML.NET's own exporter (<c>ConvertToOnnx</c>, Microsoft.ML.OnnxConverter);
/// our soft-target transforms there are training-only (they make the targets) and are left out; the model's batched
/// inference graph follows, then the calibrators after it (temperature scaling on the logits, vector scaling / Dirichlet
/// on the probabilities) and <c>MapKeyToValue</c> of <c>PredictedLabel</c> (a LabelEncoder from the class index to the
/// label's values). Outputs: <c>Score</c> [N, K] (with the <c>mlnet.Score.SlotNames</c> node) and <c>PredictedLabel</c>
/// [N, 1] (uint32 keys, 1-based, or the label's values). The graph is pruned to what these outputs need, so its inputs are
/// only the columns scoring reads (no label). Everything is built in memory and written at the end: a stage that cannot
/// be exported throws before a byte is written.
/// </summary>
internal static class PipelineExport
{
    private const string Prefix = "softtargets.";

    public static void Export(MLContext ml, ITransformer model, IDataView inputData, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputData);
        ArgumentNullException.ThrowIfNull(stream);
        var stages = Flatten(model, inputData.Schema).ToList();
        var classifiers = stages.Select((s, i) => (s, i)).Where(p => p.s is SoftTargetCrossEntropyModel).ToList();
        if (classifiers.Count != 1)
            throw new NotSupportedException(classifiers.Count == 0
                ? "ExportToOnnx needs a pipeline with a SoftTargetCrossEntropyModel (a saved one: load it with mlContext.Model.LoadWithFastScoring, not Load, which gives stock components); for pipelines of ML.NET's components alone use mlContext.Model.ConvertToOnnx."
                : $"ExportToOnnx supports one SoftTargetCrossEntropyModel per pipeline; this one has {classifiers.Count}.");
        var (classifierStage, m) = classifiers[0];
        var classifier = (SoftTargetCrossEntropyModel)classifierStage;

        // Before the model: stock stages (converted by ML.NET); our target makers are training-only.
        var prefix = new List<ITransformer>();
        for (int i = 0; i < m; i++)
        {
            var stage = stages[i];
            if (stage is SmoothLabelsTransformer or SharpenLabelsTransformer or LoadedSoftTargetChain)
                continue;
            if (IsOurs(stage))
                throw Unsupported(i, stage, "only stock ML.NET stages and SmoothLabels / SharpenLabels may come before the model");
            prefix.Add(stage);
        }
        // The schema through the stages, each named when the input data cannot feed it (e.g. no label column).
        var modelInput = inputData.Schema;
        var schemaAtModel = modelInput;
        foreach (var stage in prefix)
        {
            try
            {
                schemaAtModel = stage.GetOutputSchema(schemaAtModel);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                throw new ArgumentException($"{Describe(stages.IndexOf(stage), stage)} cannot run on the input data's columns: {e.Message} " +
                    "Give ExportToOnnx data with the pipeline's training input schema (the label column too; the exported graph does not read it).",
                    nameof(inputData), e);
            }
        }
        var scoredSchema = classifier.GetOutputSchema(schemaAtModel);
        // Only the input columns the stages before the model need go to ML.NET's converter: it fails on any column of a type
        // it cannot represent (a DateTime, say) and would make graph inputs of columns nothing reads (a stale Score).
        inputData = NeededColumns(ml, prefix, inputData, classifier.FeatureColumnName, schemaAtModel);

        var graph = new GraphProto { Name = "MLNet.SoftTargets pipeline" };
        var opsets = new Dictionary<string, long> { [""] = GraphBuilder.DefaultOpset, ["ai.onnx.ml"] = 2 };
        string featureValue;
        if (prefix.Count > 0)
        {
            var stock = Convert(ml, prefix, stages, inputData);
            graph.Node.AddRange(stock.Graph.Node);
            graph.Initializer.AddRange(stock.Graph.Initializer);
            graph.Input.AddRange(stock.Graph.Input);
            MergeOpsets(opsets, stock);
            string output = classifier.FeatureColumnName + ".output";
            featureValue = stock.Graph.Node.FirstOrDefault(n => n.OpType == "Identity" && n.Output.Contains(output))?.Input[0]
                ?? throw new NotSupportedException($"ML.NET's ONNX export of the stages before the model has no output '{output}' for the model's feature column.");
        }
        else
        {
            var column = modelInput.GetColumnOrNull(classifier.FeatureColumnName)
                ?? throw new ArgumentOutOfRangeException(nameof(inputData), $"The input data has no column '{classifier.FeatureColumnName}' (the model's features).");
            featureValue = column.Name;
            graph.Input.Add(new ValueInfoProto
            {
                Name = featureValue,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = Shape(-1, classifier.FeatureCount) } },
            });
        }

        // The model's batched graph (Features → Score, Logits), its names prefixed, its input bound to the features.
        using (var bytes = new MemoryStream())
        {
            classifier.ExportOnnx(bytes, withLogits: true);
            Splice(graph, ModelProto.Parser.ParseFrom(bytes.ToArray()).Graph, Prefix + "model.", new() { [Graphs.Blocks.InferenceGraph.Features] = featureValue });
        }
        string logits = Prefix + "model." + Graphs.Blocks.InferenceGraph.Logits;
        string uncalibrated = Prefix + "model." + Graphs.Blocks.InferenceGraph.Score;

        // After the model: calibrators on Score, MapKeyToValue of PredictedLabel.
        int k = classifier.ClassCount;
        var tail = new GraphBuilder(TensorProto.Types.DataType.Float);
        // The model's graph already makes a row with a NaN or infinite feature NaN in every output (ExportOnnx).
        var tailLogits = tail.AddInput("logits", [GraphBuilder.Dynamic, k]);
        var tailScore = tail.AddInput("score", [GraphBuilder.Dynamic, k]);
        string score = tailScore;
        var argMax = tail.Node("ArgMax", [tailScore], [GraphBuilder.Dynamic, 1], TensorProto.Types.DataType.Int64, Attr.Int("axis", 1), Attr.Int("keepdims", 1));
        // A row whose scores are NaN (a NaN or infinite feature) has no class, as in ML.NET: index −1 → key 0 / "".
        var scoreIsNaN = tail.IsNaN(tail.ReduceSum(tailScore, [1], keepDims: true));
        var index = tail.Node("Where", [scoreIsNaN, tail.Int64s(-1), argMax], [GraphBuilder.Dynamic, 1], TensorProto.Types.DataType.Int64);
        string predicted = tail.Node("Cast", [tail.Node("Add", [index, tail.Int64s(1)], [GraphBuilder.Dynamic, 1], TensorProto.Types.DataType.Int64)],
            [GraphBuilder.Dynamic, 1], TensorProto.Types.DataType.Uint32, Attr.Int("to", (int)TensorProto.Types.DataType.Uint32));
        var schema = scoredSchema;
        for (int i = m + 1; i < stages.Count; i++)
        {
            var stage = stages[i];
            switch (stage)
            {
                case TemperatureScalingTransformer ts when ts.InputColumnName == "Score" && ts.OutputColumnName == "Score" && score == tailScore:
                    score = tail.Softmax(tail.Mul(tailLogits, tail.Scalar(1 / ts.Temperature)), axis: 1);
                    break;
                case TemperatureScalingTransformer ts when ts.InputColumnName == "Score" && ts.OutputColumnName == "Score":
                    score = tail.Softmax(tail.Mul(tail.Log(tail.Node("Max", [score, tail.Scalar(1e-30)], [GraphBuilder.Dynamic, k])), tail.Scalar(1 / ts.Temperature)), axis: 1);
                    break;
                case LogLinearCalibrationTransformer calibrator when calibrator.ScoreColumnName == "Score":
                    score = calibrator.AppendBatched(tail, score);
                    break;
                case KeyToValueMappingTransformer when MapsOnlyPredictedLabel(stage, schema):
                    predicted = KeyToValue(tail, index, schema["PredictedLabel"], i, stage);
                    break;
                default:
                    throw Unsupported(i, stage, "after the model only CalibrateTemperature, CalibrateVectorScaling, CalibrateDirichlet (on Score) and MapKeyToValue of PredictedLabel can be exported");
            }
            schema = stage.GetOutputSchema(schema);
        }
        tail.AddOutput(tail.Node("Identity", [score], [GraphBuilder.Dynamic, k]), "Score");
        tail.AddOutput(predicted, "PredictedLabel");
        if (classifier.ClassNames.Count == k)
            tail.AddSlotNames("Score", classifier.ClassNames);
        var tailGraph = tail.ToModel();
        MergeOpsets(opsets, tailGraph);
        var outputs = Splice(graph, tailGraph.Graph, Prefix + "tail.", new() { ["logits"] = logits, ["score"] = uncalibrated }, keepOutputNames: true);
        graph.Output.AddRange(outputs);

        Prune(graph);
        var result = new ModelProto { IrVersion = 8, ProducerName = "MLNet.SoftTargets", Graph = graph };
        foreach (var (domain, version) in opsets)
            result.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = version });
        // Written only now: nothing half-written on an error above.
        result.WriteTo(stream);
    }

    /// <summary>
    /// The stages of a (nested) chain in order, with a loaded model's stock form of a soft-target transform kept whole
    /// (as <see cref="LoadedSoftTargetChain"/>: its intermediate columns carry our <c>.softtarget.</c> names).
    /// </summary>
    private static IEnumerable<ITransformer> Flatten(ITransformer model, DataViewSchema? schema)
    {
        // LoadWithFastScoring folds a classifier and its temperature calibrator into one stage: unfold it.
        if (model is Scoring.CalibratedClassifier pair)
        {
            yield return pair.Model;
            yield return pair.Calibrator;
        }
        else if (model is IEnumerable<ITransformer> chain && model is not SoftTargetCrossEntropyModel)
        {
            if (schema is not null && IsSoftTargetChain(chain, schema))
            {
                yield return new LoadedSoftTargetChain(model);
                yield break;
            }
            foreach (var stage in chain)
            {
                foreach (var inner in Flatten(stage, schema))
                    yield return inner;
                // Data that cannot feed a stage is reported, with the stage, by the export's own walk through the stages.
                schema = schema is null ? null : OutputSchemaOrNull(stage, schema);
            }
        }
        else
        {
            yield return model;
        }
    }

    // The stock chain one of our soft-target transforms saves as: some step shows a "{column}.softtarget.*" column.
    private static bool IsSoftTargetChain(IEnumerable<ITransformer> chain, DataViewSchema schema)
    {
        DataViewSchema? current = schema;
        foreach (var stage in chain)
        {
            current = OutputSchemaOrNull(stage, current);
            if (current is null)
                return false;
            if (current.Any(c => c.Name.Contains(".softtarget.", StringComparison.Ordinal)))
                return true;
        }
        return false;
    }

    private static DataViewSchema? OutputSchemaOrNull(ITransformer stage, DataViewSchema schema)
    {
        try
        {
            return stage.GetOutputSchema(schema);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>A loaded soft-target transform (its stock chain): training-only before the model, left out of the export.</summary>
    private sealed class LoadedSoftTargetChain(ITransformer inner) : ITransformer
    {
        public bool IsRowToRowMapper => inner.IsRowToRowMapper;

        public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => inner.GetOutputSchema(inputSchema);

        public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => inner.GetRowToRowMapper(inputSchema);

        public IDataView Transform(IDataView input) => inner.Transform(input);

        void ICanSaveModel.Save(ModelSaveContext ctx) => inner.Save(ctx);
    }

    // The merged graph imports each domain at the highest version a part uses (ML.NET's exporter writes opset 12).
    private static void MergeOpsets(Dictionary<string, long> opsets, ModelProto part)
    {
        foreach (var opset in part.OpsetImport)
            opsets[opset.Domain] = Math.Max(opsets.GetValueOrDefault(opset.Domain), opset.Version);
    }

    private static bool IsOurs(ITransformer stage) => stage.GetType().Namespace?.StartsWith("MLNet.SoftTargets", StringComparison.Ordinal) == true;

    private static NotSupportedException Unsupported(int index, ITransformer stage, string rule) =>
        new($"{Describe(index, stage)} cannot be exported to ONNX: {rule}.");

    /// <summary>"Pipeline stage 2 (TextFeaturizingEstimator.Transformer)": nested types with their declaring type, generic ones without arity.</summary>
    private static string Describe(int index, ITransformer stage)
    {
        static string Name(Type t) => t.Name.Split('`')[0];
        var type = stage.GetType();
        string name = type.DeclaringType is { } outer ? $"{Name(outer)}.{Name(type)}" : Name(type);
        return $"Pipeline stage {index} ({name})";
    }

    // Drops every input column whose absence leaves the model's feature column as it is (and every stage able to run).
    private static IDataView NeededColumns(MLContext ml, List<ITransformer> prefix, IDataView inputData, string featureColumn, DataViewSchema schemaAtModel)
    {
        var chain = new TransformerChain<ITransformer>([.. prefix]);
        var featureType = schemaAtModel[featureColumn].Type;
        var keep = new List<string>();
        foreach (var column in inputData.Schema.Where(c => !c.IsHidden))
        {
            var without = ml.Transforms.DropColumns(column.Name).Fit(inputData).Transform(inputData);
            bool needed;
            try
            {
                var after = chain.GetOutputSchema(without.Schema);
                needed = after.GetColumnOrNull(featureColumn) is not { } f || !f.Type.Equals(featureType);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                needed = true;
            }
            if (needed)
                keep.Add(column.Name);
        }
        if (keep.Count == inputData.Schema.Count(c => !c.IsHidden))
            return inputData;
        // A view of the kept columns alone (ML.NET's exporter looks through a SelectColumns view to the columns behind it).
        var builder = new DataViewSchema.Builder();
        foreach (var name in keep)
            builder.AddColumn(name, inputData.Schema[name].Type, inputData.Schema[name].Annotations);
        return new SchemaOnlyDataView(builder.ToSchema());
    }

    // ML.NET's exporter on the stock stages; when it fails, the first stage it cannot convert is named.
    private static ModelProto Convert(MLContext ml, List<ITransformer> prefix, List<ITransformer> stages, IDataView inputData)
    {
        try
        {
            return ConvertChain(ml, prefix, inputData);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            for (int n = 1; n <= prefix.Count; n++)
            {
                try
                {
                    ConvertChain(ml, prefix.Take(n).ToList(), inputData);
                }
                catch (Exception inner) when (inner is not OutOfMemoryException)
                {
                    var stage = prefix[n - 1];
                    throw new NotSupportedException(
                        $"{Describe(stages.IndexOf(stage), stage)} cannot be exported to ONNX: ML.NET's converter says: {inner.Message}", inner);
                }
            }
            throw new NotSupportedException($"ML.NET's converter cannot export the stages before the model: {e.Message}", e);
        }
    }

    private static ModelProto ConvertChain(MLContext ml, List<ITransformer> stages, IDataView inputData)
    {
        using var stream = new MemoryStream();
        ml.Model.ConvertToOnnx(new TransformerChain<ITransformer>([.. stages]), inputData, stream);
        return ModelProto.Parser.ParseFrom(stream.ToArray());
    }

    // MapKeyToValue("PredictedLabel") and nothing else: one column added, PredictedLabel, no longer a key.
    private static bool MapsOnlyPredictedLabel(ITransformer stage, DataViewSchema before)
    {
        var after = stage.GetOutputSchema(before);
        return after.Count == before.Count + 1 && after[after.Count - 1].Name == "PredictedLabel" && after[after.Count - 1].Type is not KeyDataViewType
            && before.GetColumnOrNull("PredictedLabel") is { Type: KeyDataViewType };
    }

    // The class index → the label's value (the key values of PredictedLabel), as MapKeyToValue gives it.
    private static string KeyToValue(GraphBuilder g, string index, DataViewSchema.Column predictedLabel, int stageIndex, ITransformer stage)
    {
        var keyValues = predictedLabel.Annotations.Schema.GetColumnOrNull("KeyValues")
            ?? throw Unsupported(stageIndex, stage, "PredictedLabel has no key values to map to");
        var itemType = ((VectorDataViewType)keyValues.Type).ItemType;
        var flat = g.Node("Reshape", [index, g.Int64s(-1)], [GraphBuilder.Dynamic], TensorProto.Types.DataType.Int64);
        string output;
        TensorProto.Types.DataType type;
        int count;
        if (itemType is TextDataViewType)
        {
            var values = default(VBuffer<ReadOnlyMemory<char>>);
            predictedLabel.Annotations.GetValue("KeyValues", ref values);
            var names = values.DenseValues().Select(v => v.ToString()).ToArray();
            count = names.Length;
            output = g.DomainNode("ai.onnx.ml", 2, "LabelEncoder", [flat], [GraphBuilder.Dynamic], TensorProto.Types.DataType.String,
                Attr.Ints("keys_int64s", Enumerable.Range(0, count).Select(i => (long)i).ToArray()), Attr.Strings("values_strings", names),
                Attr.String("default_string", ""));
            type = TensorProto.Types.DataType.String;
        }
        else if (itemType == NumberDataViewType.Single)
        {
            var values = default(VBuffer<float>);
            predictedLabel.Annotations.GetValue("KeyValues", ref values);
            var numbers = values.DenseValues().ToArray();
            count = numbers.Length;
            output = g.DomainNode("ai.onnx.ml", 2, "LabelEncoder", [flat], [GraphBuilder.Dynamic], TensorProto.Types.DataType.Float,
                Attr.Ints("keys_int64s", Enumerable.Range(0, count).Select(i => (long)i).ToArray()), Attr.Floats("values_floats", numbers),
                Attr.Float("default_float", float.NaN));
            type = TensorProto.Types.DataType.Float;
        }
        else
        {
            throw Unsupported(stageIndex, stage, $"MapKeyToValue to {itemType} labels is not supported (text and Single labels are)");
        }
        return g.Node("Reshape", [output, g.Int64s(-1, 1)], [GraphBuilder.Dynamic, 1], type);
    }

    /// <summary>
    /// Appends <paramref name="part"/>'s nodes and initializers to <paramref name="graph"/>, every name prefixed, its inputs
    /// bound to <paramref name="inputs"/> (part input → value of <paramref name="graph"/>). Returns the part's outputs, under
    /// their own names when <paramref name="keepOutputNames"/> (through Identity nodes), else prefixed.
    /// </summary>
    private static List<ValueInfoProto> Splice(GraphProto graph, GraphProto part, string prefix, Dictionary<string, string> inputs, bool keepOutputNames = false)
    {
        string Map(string name) => name.Length == 0 ? name : inputs.TryGetValue(name, out var bound) ? bound : prefix + name;
        foreach (var input in part.Input)
        {
            if (!inputs.ContainsKey(input.Name))
                throw new InvalidOperationException($"Export: the part's input '{input.Name}' is not bound.");
        }
        foreach (var initializer in part.Initializer)
        {
            var copy = initializer.Clone();
            copy.Name = Map(copy.Name);
            graph.Initializer.Add(copy);
        }
        foreach (var node in part.Node)
        {
            var copy = node.Clone();
            for (int i = 0; i < copy.Input.Count; i++)
                copy.Input[i] = Map(copy.Input[i]);
            for (int i = 0; i < copy.Output.Count; i++)
                copy.Output[i] = Map(copy.Output[i]);
            // ML.NET's OnnxTransformer finds slot names by the node's exact name (mlnet.{column}.SlotNames).
            if (!copy.Name.StartsWith("mlnet.", StringComparison.Ordinal))
                copy.Name = prefix + copy.Name;
            graph.Node.Add(copy);
        }
        var outputs = new List<ValueInfoProto>();
        foreach (var output in part.Output)
        {
            var info = output.Clone();
            if (keepOutputNames)
            {
                if (graph.Node.Any(n => n.Output.Contains(output.Name)) || graph.Input.Any(i => i.Name == output.Name))
                    throw new NotSupportedException($"Export: the pipeline already has a value named '{output.Name}'.");
                var identity = new NodeProto { OpType = "Identity", Name = prefix + output.Name + ".identity" };
                identity.Input.Add(Map(output.Name));
                identity.Output.Add(output.Name);
                graph.Node.Add(identity);
            }
            else
            {
                info.Name = Map(info.Name);
            }
            outputs.Add(info);
        }
        return outputs;
    }

    /// <summary>Keeps the nodes, initializers and inputs the outputs need.</summary>
    private static void Prune(GraphProto graph)
    {
        var needed = new HashSet<string>(graph.Output.Select(o => o.Name));
        var kept = new List<NodeProto>();
        for (int i = graph.Node.Count - 1; i >= 0; i--)
        {
            var node = graph.Node[i];
            if (!node.Output.Any(needed.Contains))
                continue;
            kept.Add(node);
            foreach (var input in node.Input)
                needed.Add(input);
        }
        kept.Reverse();
        graph.Node.Clear();
        graph.Node.AddRange(kept);
        var initializers = graph.Initializer.Where(t => needed.Contains(t.Name)).ToList();
        graph.Initializer.Clear();
        graph.Initializer.AddRange(initializers);
        var graphInputs = graph.Input.Where(v => needed.Contains(v.Name)).ToList();
        graph.Input.Clear();
        graph.Input.AddRange(graphInputs);
        graph.ValueInfo.Clear();
    }

    private static TensorShapeProto Shape(params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d < 0 ? new TensorShapeProto.Types.Dimension { DimParam = "N" } : new TensorShapeProto.Types.Dimension { DimValue = d });
        return shape;
    }
}

using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace MLNet.SoftTargets.Tests.Persistence;

/// <summary>
/// <c>mlContext.Model.ExportToOnnx</c>: whole pipelines (stock stages, our model of each head kind, calibrators,
/// MapKeyToValue) as one ONNX graph whose Score equals ML.NET's to 1e-5 and whose PredictedLabel equals ML.NET's, in a
/// plain ONNX Runtime session with only the feature input; the graph loads back through ApplyOnnxModel; a stage that
/// cannot be exported is named and nothing is written.
/// </summary>
[TestClass]
public sealed class PipelineExportTests
{
    public sealed class RawRow
    {
        [VectorType(64)]
        public float[] Pixels { get; set; } = [];

        public string Digit { get; set; } = "";

        public float Number { get; set; }
    }

    private static IDataView Raw(MLContext ml, IDataView keyed) =>
        ml.Data.LoadFromEnumerable(keyed.GetColumn<float[]>("Features").Zip(keyed.GetColumn<string>("Digit"))
            .Select(p => new RawRow { Pixels = p.First.Select(v => v * 16 - 3).ToArray(), Digit = p.Second, Number = int.Parse(p.Second) * 1.5f }).ToList());

    public static IEnumerable<object[]> Pipelines =>
    [
        ["linear, LS, TS, MapKeyToValue (text labels)", "linear", "ts", true, false],
        ["MLP, no calibrator, keys", "mlp", "none", false, false],
        ["cosine, vector scaling, MapKeyToValue", "cosine", "vector", true, false],
        ["MLP, Dirichlet, numeric labels", "mlp", "dirichlet", true, true],
        ["linear, TS then vector scaling", "linear", "ts+vector", true, false],
    ];

    [TestMethod]
    [DynamicData(nameof(Pipelines))]
    public void ExportedGraph_ScoresAsMlNet_InAPlainSession_AndThroughApplyOnnxModel(string label, string head, string calibration, bool mapBack, bool numeric)
    {
        var ml = TestData.Context();
        var (trainKeyed, testKeyed) = DigitsData.Split(ml);
        var train = Raw(ml, trainKeyed);
        var test = Raw(ml, testKeyed);
        string labelColumn = numeric ? nameof(RawRow.Number) : nameof(RawRow.Digit);
        var options = new SoftTargetCrossEntropyTrainer.Options
        {
            FeatureColumnName = "Features", HiddenLayerSizes = head == "mlp" ? [16] : [], CosineScale = head == "cosine" ? 16 : null,
            Epochs = 3, BatchSize = 64, LearningRate = 0.01, Device = TrainingDevice.Cpu, Threads = 1,
        };
        IEstimator<ITransformer> pipeline = ml.Transforms.Conversion.MapValueToKey("Label", labelColumn)
            .Append(ml.Transforms.NormalizeMeanVariance("Features", nameof(RawRow.Pixels)))
            .Append(ml.Transforms.SmoothLabels(0.1))
            .Append(ml.MulticlassClassification.Trainers.SoftTargetCrossEntropy(options));
        var fitted = pipeline.Fit(train);
        var scoredTrain = fitted.Transform(train);
        var stages = new List<ITransformer>(((IEnumerable<ITransformer>)fitted));
        if (calibration.Contains("ts"))
            stages.Add(ml.Transforms.CalibrateTemperature().Fit(scoredTrain));
        var afterTs = new TransformerChain<ITransformer>([.. stages]).Transform(train);
        if (calibration.Contains("vector"))
            stages.Add(ml.Transforms.CalibrateVectorScaling().Fit(afterTs));
        if (calibration == "dirichlet")
            stages.Add(ml.Transforms.CalibrateDirichlet().Fit(afterTs));
        if (mapBack)
            stages.Add(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel").Fit(new TransformerChain<ITransformer>([.. stages]).Transform(train)));
        using var model = new TransformerChain<ITransformer>([.. stages]);

        using var stream = new MemoryStream();
        ml.Model.ExportToOnnx(model, train, stream);
        var bytes = stream.ToArray();
        var proto = Onnx.ModelProto.Parser.ParseFrom(bytes);
        CollectionAssert.AreEqual(new[] { nameof(RawRow.Pixels) }, proto.Graph.Input.Select(i => i.Name).ToArray(), $"{label}: inputs");
        Assert.IsTrue(proto.Graph.Node.Any(n => n.Name == "mlnet.Score.SlotNames" || n.Name.EndsWith("mlnet.Score.SlotNames")), $"{label}: slot names node");

        // ML.NET's answer.
        var scored = model.Transform(test);
        var expectedScore = TestData.Rows(scored, "Score");
        int rows = expectedScore.Length;
        var pixels = test.GetColumn<float[]>(nameof(RawRow.Pixels)).SelectMany(p => p).ToArray();

        using var session = new InferenceSession(bytes);
        using var input = OrtValue.CreateTensorValueFromMemory(pixels, [rows, 64]);
        using var run = new RunOptions();
        using var results = session.Run(run, [nameof(RawRow.Pixels)], [input], ["Score", "PredictedLabel"]);
        var score = results[0].GetTensorDataAsSpan<float>().ToArray();
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < 10; c++)
                Assert.AreEqual(expectedScore[r][c], score[r * 10 + c], 1e-5, $"{label}: Score[{r}, {c}]");
        }
        if (!mapBack)
        {
            var expected = scored.GetColumn<uint>("PredictedLabel").ToArray();
            CollectionAssert.AreEqual(expected, results[1].GetTensorDataAsSpan<uint>().ToArray(), $"{label}: PredictedLabel keys");
        }
        else
        {
            // Our model's PredictedLabel keys carry the class names as text (numeric labels too: "1.5"), so MapKeyToValue gives text.
            var expected = scored.GetColumn<ReadOnlyMemory<char>>("PredictedLabel").Select(v => v.ToString()).ToArray();
            CollectionAssert.AreEqual(expected, results[1].GetStringTensorAsArray(), $"{label}: PredictedLabel text");
        }

        // The same file through stock ML.NET's ApplyOnnxModel: the same scores, slot names read from the graph.
        string file = Path.Combine(Path.GetTempPath(), $"export-{Guid.NewGuid():N}.onnx");
        try
        {
            File.WriteAllBytes(file, bytes);
            using var onnx = ml.Transforms.ApplyOnnxModel(["Score"], [nameof(RawRow.Pixels)], file).Fit(test);
            var viaMlNet = onnx.Transform(test);
            TestData.AssertRowsEqual(expectedScore, TestData.Rows(viaMlNet, "Score"), 1e-5, $"{label}: ApplyOnnxModel");
            CollectionAssert.AreEqual(TestData.SlotNames(scored.Schema["Score"]), TestData.SlotNames(viaMlNet.Schema["Score"]), $"{label}: slot names");
        }
        finally
        {
            File.Delete(file);
        }
    }

    public sealed class FeatureRow
    {
        [VectorType(64)]
        public float[] Features { get; set; } = [];

        public string Label { get; set; } = "";
    }

    [TestMethod]
    public void NormalizeSmoothTrainCalibrateMapBack_InPlaceColumns_ExportsWithOnlyAFeaturesInput()
    {
        // Columns named as a user names them: Features normalised in place, Label keyed in place, Score calibrated in place.
        var ml = TestData.Context();
        var (trainKeyed, testKeyed) = DigitsData.Split(ml);
        IDataView Rows(IDataView keyed) => ml.Data.LoadFromEnumerable(keyed.GetColumn<float[]>("Features").Zip(keyed.GetColumn<string>("Digit"))
            .Select(p => new FeatureRow { Features = p.First.Select(v => v * 16).ToArray(), Label = "digit " + p.Second }).ToList());
        var train = Rows(trainKeyed);
        var test = Rows(testKeyed);
        var fitted = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.NormalizeMeanVariance("Features"))
            .Append(ml.Transforms.SmoothLabels(0.1))
            .Append(ml.MulticlassClassification.Trainers.SoftTargetCrossEntropy())
            .Fit(train);
        var calibrator = ml.Transforms.CalibrateTemperature().Fit(fitted.Transform(test));
        var withTs = new TransformerChain<ITransformer>([.. (IEnumerable<ITransformer>)fitted, calibrator]);
        using var model = new TransformerChain<ITransformer>([.. withTs, ml.Transforms.Conversion.MapKeyToValue("PredictedLabel").Fit(withTs.Transform(train))]);
        using var stream = new MemoryStream();
        ml.Model.ExportToOnnx(model, train, stream);
        var proto = Onnx.ModelProto.Parser.ParseFrom(stream.ToArray());
        CollectionAssert.AreEqual(new[] { "Features" }, proto.Graph.Input.Select(i => i.Name).ToArray());
        var slotNames = proto.Graph.Node.Single(n => n.Name == "mlnet.Score.SlotNames").Attribute.Single(a => a.Name == "keys_strings").Strings.Select(b => b.ToStringUtf8());
        CollectionAssert.AreEqual(Enumerable.Range(0, 10).Select(d => "digit " + d).ToArray(), slotNames.ToArray());

        // A row with a NaN feature and one with −∞: ML.NET scores them NaN with no PredictedLabel ("" after MapKeyToValue).
        var testRows = test.GetColumn<float[]>("Features").Zip(test.GetColumn<string>("Label")).Select(p => new FeatureRow { Features = p.First, Label = p.Second }).ToList();
        testRows[5] = new FeatureRow { Features = testRows[5].Features.Select((v, i) => i == 7 ? float.NaN : v).ToArray(), Label = testRows[5].Label };
        testRows[6] = new FeatureRow { Features = testRows[6].Features.Select((v, i) => i == 20 ? float.NegativeInfinity : v).ToArray(), Label = testRows[6].Label };
        test = ml.Data.LoadFromEnumerable(testRows);
        var scored = model.Transform(test);
        var expected = TestData.Rows(scored, "Score");
        Assert.IsTrue(expected[5].All(float.IsNaN) && expected[6].All(float.IsNaN), "ML.NET scores the NaN and −∞ rows NaN");
        var features = test.GetColumn<float[]>("Features").SelectMany(f => f).ToArray();
        using var session = new InferenceSession(stream.ToArray());
        using var input = OrtValue.CreateTensorValueFromMemory(features, [expected.Length, 64]);
        using var run = new RunOptions();
        using var results = session.Run(run, ["Features"], [input], ["Score", "PredictedLabel"]);
        var score = results[0].GetTensorDataAsSpan<float>().ToArray();
        for (int r = 0; r < expected.Length; r++)
        {
            for (int c = 0; c < 10; c++)
            {
                if (float.IsNaN(expected[r][c]))
                    Assert.IsTrue(float.IsNaN(score[r * 10 + c]), $"Score[{r}, {c}] NaN");
                else
                    Assert.AreEqual(expected[r][c], score[r * 10 + c], 1e-5, $"Score[{r}, {c}]");
            }
        }
        CollectionAssert.AreEqual(scored.GetColumn<ReadOnlyMemory<char>>("PredictedLabel").Select(v => v.ToString()).ToArray(), results[1].GetStringTensorAsArray());

        // The same pipeline saved and loaded with LoadWithFastScoring (classifier and calibrator folded into one stage)
        // exports to a graph with the same scores.
        using var zip = new MemoryStream();
        ml.Model.Save(model, train.Schema, zip);
        zip.Position = 0;
        var loaded = ml.Model.LoadWithFastScoring(zip, out _);
        try
        {
            using var again = new MemoryStream();
            ml.Model.ExportToOnnx(loaded, train, again);
            using var session2 = new InferenceSession(again.ToArray());
            using var results2 = session2.Run(run, ["Features"], [input], ["Score"]);
            var score2 = results2[0].GetTensorDataAsSpan<float>().ToArray();
            for (int i = 0; i < score.Length; i++)
                Assert.AreEqual(score[i], score2[i], 1e-6, $"fast-loaded export, value {i}");   // NaN equals NaN here
        }
        finally
        {
            (loaded as IDisposable)?.Dispose();
        }
    }

    [TestMethod]
    public void AStageThatCannotBeExported_IsNamed_AndNothingIsWritten()
    {
        var ml = TestData.Context();
        var (trainKeyed, _) = DigitsData.Split(ml);
        var train = Raw(ml, trainKeyed);
        var options = new SoftTargetCrossEntropyTrainer.Options { SoftTargetColumnName = null, Epochs = 1, Device = TrainingDevice.Cpu, Threads = 1 };
        var model = ml.Transforms.Conversion.MapValueToKey("Label", nameof(RawRow.Digit))
            .Append(ml.Transforms.CustomMapping<RawRow, Scaled>((a, b) => b.Features = a.Pixels.Select(v => v / 10).ToArray(), "scale"))
            .Append(ml.MulticlassClassification.Trainers.SoftTargetCrossEntropy(options)).Fit(train);
        using var stream = new MemoryStream();
        var e = Assert.ThrowsExactly<NotSupportedException>(() => ml.Model.ExportToOnnx(model, train, stream));
        StringAssert.Contains(e.Message, "stage 1");
        StringAssert.Contains(e.Message, "CustomMapping");
        Assert.AreEqual(0, stream.Length, "nothing half-written");

        // After the model: only calibrators and MapKeyToValue of PredictedLabel.
        var plain = ml.Transforms.Conversion.MapValueToKey("Label", nameof(RawRow.Digit)).Append(ml.Transforms.CopyColumns("Features", nameof(RawRow.Pixels)))
            .Append(ml.MulticlassClassification.Trainers.SoftTargetCrossEntropy(options)).Fit(train);
        var scored = plain.Transform(train);
        var after = new TransformerChain<ITransformer>([.. (IEnumerable<ITransformer>)plain, ml.Transforms.CopyColumns("Copy", "Score").Fit(scored)]);
        e = Assert.ThrowsExactly<NotSupportedException>(() => ml.Model.ExportToOnnx(after, train, stream));
        StringAssert.Contains(e.Message, "stage 3");
        Assert.AreEqual(0, stream.Length);

        var noModel = ml.Transforms.Conversion.MapValueToKey("Label", nameof(RawRow.Digit)).Fit(train);
        e = Assert.ThrowsExactly<NotSupportedException>(() => ml.Model.ExportToOnnx(noModel, train, stream));
        StringAssert.Contains(e.Message, "ConvertToOnnx");
    }

    public sealed class ExtraRow
    {
        [VectorType(64)]
        public float[] Pixels { get; set; } = [];

        public string Digit { get; set; } = "";

        public DateTime When { get; set; }

        [VectorType(10)]
        public float[] Score { get; set; } = [];
    }

    public sealed class UnlabelledRow
    {
        [VectorType(64)]
        public float[] Pixels { get; set; } = [];
    }

    [TestMethod]
    public void UnusedInputColumns_AreLeftOut_AndDataWithoutTheLabel_IsAClearError()
    {
        // Columns the converter cannot type (DateTime) or that the graph's own outputs would collide with (a stale Score)
        // are not read by the pipeline: they must not stop the export.
        var ml = TestData.Context();
        var (trainKeyed, _) = DigitsData.Split(ml);
        var raw = Raw(ml, trainKeyed).GetColumn<float[]>(nameof(RawRow.Pixels)).Zip(trainKeyed.GetColumn<string>("Digit"))
            .Select(p => new ExtraRow { Pixels = p.First, Digit = p.Second, When = new DateTime(2026, 12, 2), Score = new float[10] }).ToList();
        var data = ml.Data.LoadFromEnumerable(raw);
        var options = new SoftTargetCrossEntropyTrainer.Options { SoftTargetColumnName = null, Epochs = 1, Device = TrainingDevice.Cpu, Threads = 1 };
        using var model = ml.Transforms.Conversion.MapValueToKey("Label", nameof(ExtraRow.Digit))
            .Append(ml.Transforms.NormalizeMeanVariance("Features", nameof(ExtraRow.Pixels)))
            .Append(ml.MulticlassClassification.Trainers.SoftTargetCrossEntropy(options)).Fit(data);
        // A stale Score column in the data is hidden by the model's (scoring failed on such data before: the computed columns
        // were looked for after the input's column count, which the chain's DropColumns had shifted).
        var own = TestData.Rows(model.Transform(data), "Score");
        Assert.IsTrue(own.All(r => Math.Abs(r.Sum() - 1) < 1e-4), "the model's Score, not the input's zeros");
        using var stream = new MemoryStream();
        ml.Model.ExportToOnnx(model, data, stream);
        var proto = Onnx.ModelProto.Parser.ParseFrom(stream.ToArray());
        CollectionAssert.AreEqual(new[] { nameof(ExtraRow.Pixels) }, proto.Graph.Input.Select(i => i.Name).ToArray());
        using (var session = new InferenceSession(stream.ToArray()))
            CollectionAssert.Contains(session.OutputMetadata.Keys.ToList(), "Score");

        var unlabelled = ml.Data.LoadFromEnumerable(raw.Select(r => new UnlabelledRow { Pixels = r.Pixels }));
        using var nothing = new MemoryStream();
        var e = Assert.ThrowsExactly<ArgumentException>(() => ml.Model.ExportToOnnx(model, unlabelled, nothing));
        StringAssert.Contains(e.Message, "Pipeline stage 0 (ValueToKeyMappingTransformer)");
        StringAssert.Contains(e.Message, "the label column too");
        Assert.AreEqual(0, nothing.Length);
    }

    public sealed class Scaled
    {
        [VectorType(64)]
        public float[] Features { get; set; } = [];
    }
}

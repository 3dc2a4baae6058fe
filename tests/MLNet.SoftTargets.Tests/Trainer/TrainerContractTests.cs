using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;

namespace MLNet.SoftTargets.Tests.Trainer;

[TestClass]
public sealed class TrainerContractTests
{
    private static SoftTargetCrossEntropyTrainer.Options Small => new() { Epochs = 3, BatchSize = 100, LearningRate = 0.01, Device = TrainingDevice.Cpu, Threads = 1, HiddenLayerSizes = [16] };

    [TestMethod]
    public void HardAndSoftRuns_DifferOnlyByTheSoftTargetArgument()
    {
        var ml = TestData.Context();
        var (train, test) = DigitsData.Split(ml);
        var data = DigitsData.Smoothed(ml, train, 0.3);
        var hard = ml.MulticlassClassification.Trainers.SoftTargetCrossEntropy(softTargetColumnName: null, epochs: 20, batchSize: 50, learningRate: 0.01).Fit(data);
        var soft = ml.MulticlassClassification.Trainers.SoftTargetCrossEntropy(epochs: 20, batchSize: 50, learningRate: 0.01).Fit(data);
        double MeanTopProbability(ITransformer m) => DigitsData.Scores(m.Transform(test)).Average(s => s.Max());
        // Smoothing with α = 0.3 caps the target at 0.73, so the soft model is less confident.
        Assert.IsTrue(MeanTopProbability(soft) < MeanTopProbability(hard) - 0.05, $"soft {MeanTopProbability(soft):F3} vs hard {MeanTopProbability(hard):F3}");
    }

    [TestMethod]
    public void Model_HasScoreAndAPredictedLabelKeyWithTheLabelsValues_AndEvaluates()
    {
        var ml = TestData.Context();
        var (train, test) = DigitsData.Split(ml);
        var model = ml.MulticlassClassification.Trainers.SoftTargetCrossEntropy(Small with { SoftTargetColumnName = null }).Fit(train);
        var scored = model.Transform(test);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 10), scored.Schema["Score"].Type);
        var predicted = scored.Schema["PredictedLabel"];
        Assert.AreEqual(10UL, ((KeyDataViewType)predicted.Type).Count);
        var keyValues = default(VBuffer<ReadOnlyMemory<char>>);
        predicted.Annotations.GetValue("KeyValues", ref keyValues);
        CollectionAssert.AreEqual(Enumerable.Range(0, 10).Select(i => i.ToString()).ToArray(), keyValues.DenseValues().Select(v => v.ToString()).ToArray());
        CollectionAssert.AreEqual(keyValues.DenseValues().Select(v => v.ToString()).ToArray(), model.ClassNames.ToArray());

        // PredictedLabel is the arg-max of Score; MapKeyToValue gives the class names back.
        var scores = DigitsData.Scores(scored);
        var keys = scored.GetColumn<uint>("PredictedLabel").ToArray();
        for (int i = 0; i < keys.Length; i++)
            Assert.AreEqual((uint)Array.IndexOf(scores[i], scores[i].Max()) + 1, keys[i]);
        var names = ml.Transforms.Conversion.MapKeyToValue("PredictedDigit", "PredictedLabel").Fit(scored).Transform(scored).GetColumn<string>("PredictedDigit").ToArray();
        Assert.AreEqual(model.ClassNames[(int)keys[0] - 1], names[0]);
        Assert.IsTrue(scores.All(s => Math.Abs(s.Sum() - 1) < 1e-5), "scores are probabilities");
        Assert.IsTrue(ml.MulticlassClassification.Evaluate(scored).MicroAccuracy > 0.8);
    }

    [TestMethod]
    public void SaveAndLoad_GiveTheSameScoresAndSchema()
    {
        var ml = TestData.Context();
        var (train, test) = DigitsData.Split(ml);
        var pipeline = ml.Transforms.SmoothLabels(0.1)
            .Append(ml.MulticlassClassification.Trainers.SoftTargetCrossEntropy(Small with { OutputLogits = true, OutputEmbedding = true }));
        var model = pipeline.Fit(train);
        var loaded = TestData.SaveAndLoad(model, train.Schema);
        var before = model.Transform(test);
        var after = loaded.Transform(test);
        TestData.AssertSameVisibleSchema(before.Schema, after.Schema);
        // In memory the model scores with its fast path, after loading with the stock chain: equal to float rounding.
        foreach (var (column, tolerance) in new[] { ("Score", 1e-6), ("Logits", 1e-5), ("Embedding", 1e-5) })
            TestData.AssertRowsEqual(TestData.Rows(before, column), TestData.Rows(after, column), tolerance, column);
        CollectionAssert.AreEqual(before.GetColumn<uint>("PredictedLabel").ToArray(), after.GetColumn<uint>("PredictedLabel").ToArray());
    }

    [TestMethod]
    public void PredictionEngine_AgreesWithBatchTransform()
    {
        var ml = TestData.Context();
        var (train, test) = DigitsData.Split(ml);
        var model = ml.MulticlassClassification.Trainers.SoftTargetCrossEntropy(Small with { SoftTargetColumnName = null }).Fit(train);
        var engine = ml.Model.CreatePredictionEngine<Datasets.DigitRow, Prediction>(model);
        var batch = DigitsData.Scores(model.Transform(test));
        var rows = ml.Data.CreateEnumerable<Datasets.DigitRow>(test, reuseRowObject: false).Take(20).ToArray();
        for (int i = 0; i < rows.Length; i++)
        {
            var p = engine.Predict(rows[i]);
            CollectionAssert.AreEqual(batch[i], p.Score, $"row {i}");
        }
    }

    [TestMethod]
    public void ExportedOnnx_GivesTheSameScoresInAPlainInferenceSession()
    {
        var ml = TestData.Context();
        var (train, test) = DigitsData.Split(ml);
        var model = ml.MulticlassClassification.Trainers.SoftTargetCrossEntropy(Small with { SoftTargetColumnName = null }).Fit(train);
        using var stream = new MemoryStream();
        model.ExportOnnx(stream);
        using var session = new InferenceSession(stream.ToArray());
        var features = test.GetColumn<float[]>("Features").Take(50).SelectMany(f => f).ToArray();
        using var input = OrtValue.CreateTensorValueFromMemory(features, [50, 64]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["Features"], [input], ["Score"]);
        var exported = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        var expected = DigitsData.Scores(model.Transform(test)).Take(50).SelectMany(s => s).ToArray();
        for (int i = 0; i < expected.Length; i++)
            Assert.AreEqual(expected[i], exported[i], 1e-6, $"score {i}");
    }

    [TestMethod]
    public void SameSeedOnCpu_GivesBitIdenticalWeights()
    {
        var ml = TestData.Context();
        var (train, _) = DigitsData.Split(ml);
        var options = Small with { SoftTargetColumnName = null, Threads = 2 };
        var a = new SoftTargetCrossEntropyTrainer(options).Fit(train).GetParameters();
        var b = new SoftTargetCrossEntropyTrainer(options).Fit(train).GetParameters();
        foreach (var name in a.Keys)
            CollectionAssert.AreEqual(a[name], b[name], name);
        var c = new SoftTargetCrossEntropyTrainer(options with { Seed = 7 }).Fit(train).GetParameters();
        CollectionAssert.AreNotEqual(a["layer0.weight"], c["layer0.weight"], "another seed gives other weights");
    }

    [TestMethod]
    public void FineTuning_ContinuesFromTheInitialModel()
    {
        var ml = TestData.Context();
        var (train, _) = DigitsData.Split(ml);
        var options = Small with { SoftTargetColumnName = null, Epochs = 1 };
        var first = new SoftTargetCrossEntropyTrainer(options).Fit(train);
        var continued = new SoftTargetCrossEntropyTrainer(options).Fit(train, null, first);
        var fresh = new SoftTargetCrossEntropyTrainer(options).Fit(train);
        Assert.IsTrue(continued.History[0].TrainingLoss < 0.8 * fresh.History[0].TrainingLoss,
            $"continued epoch loss {continued.History[0].TrainingLoss:F3} vs fresh {fresh.History[0].TrainingLoss:F3}");
        var wrongShape = new SoftTargetCrossEntropyTrainer(options with { HiddenLayerSizes = [8] });
        Assert.ThrowsExactly<ArgumentException>(() => wrongShape.Fit(train, null, first));
    }

    [TestMethod]
    public void Validation_ReportsEveryEpoch_AndEarlyStoppingKeepsTheBestEpoch()
    {
        var ml = TestData.Context();
        var (train, test) = DigitsData.Split(ml);
        var reports = new List<TrainingProgress>();
        var log = new List<string>();
        var model = new SoftTargetCrossEntropyTrainer(Small with
        {
            SoftTargetColumnName = null, Epochs = 30, LearningRate = 0.05, EarlyStoppingPatience = 2,
            Progress = new SynchronousProgress(reports.Add), Log = log.Add,
        }).Fit(train, test);
        Assert.IsTrue(reports.Count is > 0 and < 30, $"{reports.Count} epochs");
        Assert.IsTrue(reports.All(r => r.ValidationLogLoss is > 0 && r.ValidationAccuracy is > 0 and <= 1 && r.SamplesPerSecond > 0));
        Assert.IsTrue(log.Any(l => l.StartsWith("Early stopping")), string.Join(" | ", log));
        var kept = ml.MulticlassClassification.Evaluate(model.Transform(test)).LogLoss;
        Assert.AreEqual(reports.Min(r => r.ValidationLogLoss!.Value), kept, 1e-4, "the best epoch's weights are kept");
    }

    [TestMethod]
    public void ExampleWeights_ChangeTheModel_AndZeroWeightRowsAreIgnored()
    {
        var ml = TestData.Context();
        var (train, _) = DigitsData.Split(ml);
        var rows = ml.Data.CreateEnumerable<Datasets.DigitRow>(train, reuseRowObject: false)
            .Select((r, i) => new WeightedDigit { Features = r.Features, Digit = r.Digit, Weight = i % 2 == 0 ? 1f : 0f }).ToList();
        var half = DigitsData.Keyed(ml, rows.Where(r => r.Weight == 1f).Select(r => new Datasets.DigitRow { Features = r.Features, Digit = r.Digit }));
        var all = DigitsData.KeyDigits(ml, ml.Data.LoadFromEnumerable(rows));
        var options = Small with { SoftTargetColumnName = null, Shuffle = false, BatchSize = 1400 };
        var zeroWeighted = new SoftTargetCrossEntropyTrainer(options with { ExampleWeightColumnName = "Weight" }).Fit(all).GetParameters();
        var onlyHalf = new SoftTargetCrossEntropyTrainer(options with { BatchSize = 700 }).Fit(half).GetParameters();
        // One full-batch step per epoch over the same examples: the zero-weight rows contribute nothing.
        for (int i = 0; i < onlyHalf["layer1.bias"].Length; i++)
            Assert.AreEqual(onlyHalf["layer1.bias"][i], zeroWeighted["layer1.bias"][i], 1e-5, $"bias {i}");
        var uniform = new SoftTargetCrossEntropyTrainer(options).Fit(all).GetParameters();
        Assert.IsTrue(Enumerable.Range(0, 10).Any(i => Math.Abs(uniform["layer1.bias"][i] - zeroWeighted["layer1.bias"][i]) > 1e-4), "weights change the model");
    }

    [TestMethod]
    public void TheOptInCache_Trains()
    {
        var ml = TestData.Context();
        var (train, test) = DigitsData.Split(ml);
        var model = new SoftTargetCrossEntropyTrainer(Small with { SoftTargetColumnName = null, CacheData = true, Epochs = 5 }).Fit(train);
        Assert.IsTrue(model.History[^1].TrainingLoss < model.History[0].TrainingLoss);
        Assert.IsTrue(ml.MulticlassClassification.Evaluate(model.Transform(test)).MicroAccuracy > 0.8);
    }

    [TestMethod]
    public void ALabelKeyWithNumericValues_GivesAPredictedLabelWithThoseValuesAsText()
    {
        var ml = TestData.Context();
        var rows = Enumerable.Range(0, 60).Select(i => new NumericRow { Features = [i % 3, (i * 7) % 5], Class = 10f * (i % 3) }).ToArray();
        var data = ml.Transforms.Conversion.MapValueToKey("Label", "Class").Fit(ml.Data.LoadFromEnumerable(rows)).Transform(ml.Data.LoadFromEnumerable(rows));
        var model = new SoftTargetCrossEntropyTrainer(Small with { SoftTargetColumnName = null, HiddenLayerSizes = [], Epochs = 100, BatchSize = 20, LearningRate = 0.1 }).Fit(data);
        CollectionAssert.AreEqual(new[] { "0", "10", "20" }, model.ClassNames.ToArray());
        var scored = model.Transform(data);
        Assert.AreEqual(3UL, ((KeyDataViewType)scored.Schema["PredictedLabel"].Type).Count);
        Assert.IsTrue(ml.MulticlassClassification.Evaluate(scored).MicroAccuracy > 0.5);
    }

    public sealed class NumericRow
    {
        [VectorType(2)]
        public float[] Features { get; set; } = [];

        public float Class { get; set; }
    }

    public sealed class Prediction
    {
        public float[] Score { get; set; } = [];
    }

    public sealed class WeightedDigit
    {
        [VectorType(64)]
        public float[] Features { get; set; } = [];

        public string Digit { get; set; } = "";

        public float Weight { get; set; }
    }
}

/// <summary>Reports on the calling thread (Progress&lt;T&gt; posts to the thread pool, too late for assertions).</summary>
internal sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => report(value);
}

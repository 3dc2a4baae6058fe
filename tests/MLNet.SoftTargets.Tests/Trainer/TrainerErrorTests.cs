using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets.Tests.Trainer;

/// <summary>Bad options and bad data fail with exceptions that name the option, or the column and row.</summary>
[TestClass]
public sealed class TrainerErrorTests
{
    private static readonly SoftTargetCrossEntropyTrainer.Options Fast = new() { Epochs = 1, BatchSize = 4, Device = TrainingDevice.Cpu, Threads = 1 };

    private static IDataView Data(MLContext ml, params Row[] rows)
    {
        var view = ml.Data.LoadFromEnumerable(rows);
        var keyData = ml.Data.LoadFromEnumerable(new[] { "a", "b", "c" }.Select(n => new TestData.NameRow { Name = n }));
        return ml.Transforms.Conversion.MapValueToKey("Label", "Name", keyData: keyData).Fit(view).Transform(view);
    }

    private static Row Good(string name = "a") => new() { Name = name, Features = [0.1f, 0.2f], SoftTarget = [0.8f, 0.1f, 0.1f], Weight = 1 };

    [TestMethod]
    [DataRow(nameof(SoftTargetCrossEntropyTrainer.Options.LearningRate))]
    [DataRow(nameof(SoftTargetCrossEntropyTrainer.Options.Epochs))]
    [DataRow(nameof(SoftTargetCrossEntropyTrainer.Options.BatchSize))]
    [DataRow(nameof(SoftTargetCrossEntropyTrainer.Options.LossTemperature))]
    [DataRow(nameof(SoftTargetCrossEntropyTrainer.Options.Beta2))]
    [DataRow(nameof(SoftTargetCrossEntropyTrainer.Options.CosineScale))]
    [DataRow(nameof(SoftTargetCrossEntropyTrainer.Options.HiddenLayerSizes))]
    public void AnOptionOutOfRange_FailsAtConstruction_NamingIt(string option)
    {
        var bad = option switch
        {
            nameof(Fast.LearningRate) => Fast with { LearningRate = -1 },
            nameof(Fast.Epochs) => Fast with { Epochs = 0 },
            nameof(Fast.BatchSize) => Fast with { BatchSize = 0 },
            nameof(Fast.LossTemperature) => Fast with { LossTemperature = double.NaN },
            nameof(Fast.Beta2) => Fast with { Beta2 = 1 },
            nameof(Fast.CosineScale) => Fast with { CosineScale = 0 },
            _ => Fast with { HiddenLayerSizes = [8, 0] },
        };
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SoftTargetCrossEntropyTrainer(bad));
        Assert.AreEqual(option, e.ParamName);
        StringAssert.Contains(e.Message, option);
    }

    [TestMethod]
    public void TheOptionsAreNotWrittenBack()
    {
        var sizes = new List<int> { 4 };
        var options = Fast with { HiddenLayerSizes = sizes, SoftTargetColumnName = null };
        var trainer = new SoftTargetCrossEntropyTrainer(options);
        trainer.Fit(Data(TestData.Context(), Good(), Good("b")));
        sizes.Add(99);
        CollectionAssert.AreEqual(new[] { 4 }, trainer.TrainerOptions.HiddenLayerSizes.ToArray(), "the trainer keeps its own copy");
        Assert.AreEqual(options.LearningRate, trainer.TrainerOptions.LearningRate, "what the trainer resolved is not written back");
        Assert.AreEqual(options.Optimizer, trainer.TrainerOptions.Optimizer);
    }

    [TestMethod]
    public void NonFiniteFeatures_NameTheColumnAndRow()
    {
        var bad = Good();
        bad.Features = [0.1f, float.NaN];
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => new SoftTargetCrossEntropyTrainer(Fast).Fit(Data(TestData.Context(), Good(), Good(), bad)));
        StringAssert.Contains(e.Message, "'Features' row 2");
        StringAssert.Contains(e.Message, "NaN");
    }

    [TestMethod]
    public void SoftTargetsThatDoNotSumToOne_NameTheRow()
    {
        var bad = Good();
        bad.SoftTarget = [0.5f, 0.1f, 0.1f];
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => new SoftTargetCrossEntropyTrainer(Fast).Fit(Data(TestData.Context(), bad)));
        StringAssert.Contains(e.Message, "'SoftTarget' row 0");
        StringAssert.Contains(e.Message, "0.7");
    }

    [TestMethod]
    public void ASoftTargetOfTheWrongLength_IsAClassCountMismatch()
    {
        var ml = TestData.Context();
        var data = ml.Transforms.Conversion.MapValueToKey("Label", "Name").Fit(ml.Data.LoadFromEnumerable(new[] { Good("a"), Good("b") }))
            .Transform(ml.Data.LoadFromEnumerable(new[] { Good("a"), Good("b") }));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SoftTargetCrossEntropyTrainer(Fast).Fit(data));
        StringAssert.Contains(e.Message, "'SoftTarget'");
        StringAssert.Contains(e.Message, "3 slots");
        StringAssert.Contains(e.Message, "2 classes");
    }

    [TestMethod]
    public void AnEmptyDataset_AndAllRowsMissing_AreClearErrors()
    {
        var ml = TestData.Context();
        StringAssert.Contains(Assert.ThrowsExactly<InvalidOperationException>(() => new SoftTargetCrossEntropyTrainer(Fast).Fit(Data(ml))).Message, "no rows");
        var missing = Good();
        missing.SoftTarget = [float.NaN, float.NaN, float.NaN];
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => new SoftTargetCrossEntropyTrainer(Fast).Fit(Data(ml, missing, missing)));
        StringAssert.Contains(e.Message, "All 2 rows");
    }

    [TestMethod]
    public void MissingRows_AreSkippedAndCounted()
    {
        var ml = TestData.Context();
        var missing = Good();
        missing.SoftTarget = [float.NaN, float.NaN, float.NaN];
        var reports = new List<TrainingProgress>();
        var log = new List<string>();
        new SoftTargetCrossEntropyTrainer(Fast with { Progress = new SynchronousProgress(reports.Add), Log = log.Add }).Fit(Data(ml, Good(), missing, Good("b"), missing, Good("c")));
        Assert.AreEqual(2, reports[0].SkippedRows);
        Assert.IsTrue(log.Any(l => l.Contains("Skipped 2 rows")), string.Join(" | ", log));
    }

    [TestMethod]
    public void BadColumns_NameTheColumnAndType()
    {
        var ml = TestData.Context();
        var data = Data(ml, Good());
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SoftTargetCrossEntropyTrainer(Fast with { LabelColumnName = "Name" }).Fit(data)).Message, "'Name'");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SoftTargetCrossEntropyTrainer(Fast with { FeatureColumnName = "Pixels" }).Fit(data)).Message, "'Pixels'");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SoftTargetCrossEntropyTrainer(Fast with { ExampleWeightColumnName = "Name" }).Fit(data)).Message, "expected a Single");
    }

    [TestMethod]
    public void ANegativeWeight_NamesTheRow()
    {
        var bad = Good();
        bad.Weight = -1;
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => new SoftTargetCrossEntropyTrainer(Fast with { ExampleWeightColumnName = "Weight" }).Fit(Data(TestData.Context(), Good(), bad)));
        StringAssert.Contains(e.Message, "'Weight' row 1");
    }

    [TestMethod]
    public void Cancellation_StopsTraining()
    {
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        Assert.ThrowsExactly<OperationCanceledException>(() => new SoftTargetCrossEntropyTrainer(Fast with { CancellationToken = cancel.Token }).Fit(Data(TestData.Context(), Good())));
    }

    [TestMethod]
    public void CudaRequestedWithoutCuda_FailsClearly_OrTrainsWhenCudaIsThere()
    {
        try
        {
            new SoftTargetCrossEntropyTrainer(Fast with { Device = TrainingDevice.Cuda(0) }).Fit(Data(TestData.Context(), Good()));
        }
        catch (InvalidOperationException e)
        {
            StringAssert.Contains(e.Message, "CUDA");
        }
    }

    [TestMethod]
    public void VectorsOfAnotherLengthThanTheirType_AreRefusedInTrainingAndScoring_NamingTheColumnAndRow()
    {
        // LoadFromEnumerable does not check arrays against [VectorType(n)]: before, the trainer copied the 1 value and kept
        // the previous row's second feature (a silent wrong number) and scoring failed inside a dot product.
        var ml = TestData.Context();
        var shortFeatures = Good("b") with { Features = [0.5f] };
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => new SoftTargetCrossEntropyTrainer(Fast).Fit(Data(ml, Good(), shortFeatures, Good("c"))));
        StringAssert.Contains(e.Message, "Column 'Features' row 1");
        StringAssert.Contains(e.Message, "has 1 values but its type says 2");
        var shortTarget = Good("b") with { SoftTarget = [1f] };
        e = Assert.ThrowsExactly<InvalidOperationException>(() => new SoftTargetCrossEntropyTrainer(Fast).Fit(Data(ml, Good(), shortTarget)));
        StringAssert.Contains(e.Message, "Column 'SoftTarget' row 1");

        using var model = new SoftTargetCrossEntropyTrainer(Fast).Fit(Data(ml, Good(), Good("b"), Good("c")));
        var bad = model.Transform(Data(ml, Good(), shortFeatures));
        e = Assert.ThrowsExactly<InvalidOperationException>(() => bad.GetColumn<float[]>(bad.Schema["Score"]).ToArray());
        StringAssert.Contains(e.Message, "Column 'Features' row 1: the feature vector has 1 values but its column type says 2");
        using var engine = ml.Model.CreatePredictionEngine<Row, Prediction>(model);
        e = Assert.ThrowsExactly<InvalidOperationException>(() => engine.Predict(shortFeatures));
        StringAssert.Contains(e.Message, "has 1 values");
    }

    public sealed class Prediction
    {
        public float[] Score { get; set; } = [];
    }

    public sealed record Row
    {
        public string Name { get; set; } = "";

        [VectorType(2)]
        public float[] Features { get; set; } = [];

        [VectorType(3)]
        public float[] SoftTarget { get; set; } = [];

        public float Weight { get; set; }
    }
}

using Microsoft.ML;
using Microsoft.ML.Data;
using static MLNet.SoftTargets.Tests.Reliability.MadeUpData;

namespace MLNet.SoftTargets.Tests.Reliability;

/// <summary>
/// Bad training data, as a user would make it up, stops <c>Fit</c> with an exception that names the column (and the row,
/// for a bad value) on every training path; what the README documents as skipped is skipped and counted.
/// </summary>
[TestClass]
public sealed class BadTrainingDataTests
{
    private const int BadRow = 17;

    [TestMethod]
    [DataRow(double.NaN, "defaults")]
    [DataRow(double.NaN, "adam")]
    [DataRow(double.NaN, "cached")]
    [DataRow(double.PositiveInfinity, "defaults")]
    [DataRow(double.PositiveInfinity, "adam")]
    [DataRow(double.PositiveInfinity, "cached")]
    [DataRow(double.NegativeInfinity, "defaults")]
    [DataRow(double.NegativeInfinity, "adam")]
    [DataRow(double.NegativeInfinity, "cached")]
    public void ANonFiniteFeature_StopsFit_NamingTheColumnAndRow(double value, string path)
    {
        // README, Trainer: "Bad data stops training with the column and row: non-finite features, ...".
        var ml = TestData.Context();
        var rows = Rows(40, 6, Abc);
        rows[BadRow].Features[3] = (float)value;
        var e = Assert.Throws<InvalidOperationException>(() => new SoftTargetCrossEntropyTrainer(Path(path)).Fit(View(ml, Abc, rows)));
        StringAssert.Contains(e.Message, "'Features'");
        StringAssert.Contains(e.Message, $"row {BadRow}");
    }

    [TestMethod]
    [DataRow("negative", "defaults")]
    [DataRow("negative", "adam")]
    [DataRow("sum 0.7", "defaults")]
    [DataRow("sum 0.7", "cached")]
    [DataRow("sum 1.8", "adam")]
    [DataRow("all zeros", "defaults")]
    [DataRow("all zeros", "adam")]
    [DataRow("infinite", "adam")]
    public void ASoftTargetThatIsNotADistribution_StopsFit_NamingTheColumnAndRow(string kind, string path)
    {
        // README, Trainer: "soft targets that are negative or do not sum to 1 (±1e-3)" stop training with the column and row.
        var ml = TestData.Context();
        var rows = Rows(40, 6, Abc);
        rows[BadRow].SoftTarget = kind switch
        {
            "negative" => [1.2f, -0.2f, 0f],
            "sum 0.7" => [0.5f, 0.1f, 0.1f],
            "sum 1.8" => [0.6f, 0.6f, 0.6f],
            "all zeros" => [0f, 0f, 0f],
            _ => [float.PositiveInfinity, 0f, 0f],
        };
        var e = Assert.Throws<InvalidOperationException>(() => new SoftTargetCrossEntropyTrainer(Path(path)).Fit(View(ml, Abc, rows)));
        StringAssert.Contains(e.Message, "'SoftTarget'");
        StringAssert.Contains(e.Message, $"row {BadRow}");
    }

    [TestMethod]
    [DataRow("defaults")]
    [DataRow("adam")]
    [DataRow("cached")]
    public void ASoftTargetWithNaN_IsSkippedAndCounted_AndTheRestTrains(string path)
    {
        // README, Trainer: "Rows whose soft target contains NaN ... are skipped and counted in the progress and log."
        var ml = TestData.Context();
        var rows = Rows(40, 6, Abc);
        rows[BadRow].SoftTarget = [0.5f, float.NaN, 0.5f];
        rows[BadRow + 1].SoftTarget = [float.NaN, float.NaN, float.NaN];
        var reports = new List<TrainingProgress>();
        var log = new List<string>();
        // Enough Adam steps on 38 rows to learn this easy problem (2 epochs of 5 steps would not).
        var options = path == "defaults" ? Path(path) : Path(path) with { Epochs = 40, LearningRate = 0.05 };
        var model = new SoftTargetCrossEntropyTrainer(options with { Progress = new Trainer.SynchronousProgress(reports.Add), Log = log.Add })
            .Fit(View(ml, Abc, rows));
        Assert.IsNotEmpty(reports);
        Assert.AreEqual(2, reports[0].SkippedRows, "skipped rows in the first report");
        Assert.IsTrue(log.Any(l => l.Contains("Skipped 2 rows")), string.Join(" | ", log));
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(View(ml, Abc, Rows(30, 6, Abc, seed: 2))));
        Assert.IsGreaterThan(0.9, metrics.MacroAccuracy, "the other 38 rows still train a good model");
    }

    [TestMethod]
    public void SoftTargetsFromSmoothLabelsOfABadTeacherScore_AreAllNaN_AndSkipped()
    {
        // README, API: a vector row that is not a distribution (NaN, negative, infinite, all zeros) gives an all-NaN row;
        // the trainer skips it.
        var ml = TestData.Context();
        var rows = Rows(40, 6, Abc);
        rows[3].SoftTarget = [0.5f, float.NaN, 0.5f];
        rows[4].SoftTarget = [0.5f, -0.5f, 1f];
        rows[5].SoftTarget = [0f, 0f, 0f];
        rows[6].SoftTarget = [float.PositiveInfinity, 0f, 0f];
        var data = View(ml, Abc, rows);
        var smoothed = ml.Transforms.SmoothLabels(0.1, outputColumnName: "Smoothed", inputColumnName: "SoftTarget").Fit(data).Transform(data);
        var targets = TestData.Rows(smoothed, "Smoothed");
        for (int r = 3; r <= 6; r++)
            Assert.IsTrue(targets[r].All(float.IsNaN), $"row {r}: [{string.Join(", ", targets[r])}]");
        Assert.IsTrue(targets[7].All(float.IsFinite));
        var reports = new List<TrainingProgress>();
        new SoftTargetCrossEntropyTrainer(Adam with { SoftTargetColumnName = "Smoothed", Progress = new Trainer.SynchronousProgress(reports.Add) }).Fit(smoothed);
        Assert.AreEqual(4, reports[0].SkippedRows);
    }

    [TestMethod]
    [DataRow(5)]
    [DataRow(2)]
    public void ASoftTargetWidthOtherThanTheKeyCount_StopsFit_NamingTheColumnAndBothCounts(int width)
    {
        var ml = TestData.Context();
        var data = View(ml, Abc, Rows(20, 6, Abc, softWidth: width));
        var e = Assert.Throws<ArgumentException>(() => new SoftTargetCrossEntropyTrainer(Adam).Fit(data));
        StringAssert.Contains(e.Message, "'SoftTarget'");
        Assert.IsTrue(ContainsNumber(e.Message, width), $"the soft target's width {width}: {e.Message}");
        Assert.IsTrue(ContainsNumber(e.Message, 3), $"the label's 3 classes: {e.Message}");
    }

    [TestMethod]
    public void SmoothLabelsOnAOneClassKeyOrAOneSlotVector_FailsNamingTheColumn()
    {
        // README, API: "Input: Key<UInt32, K> or Vector<Single, K> with K ≥ 2".
        var ml = TestData.Context();
        var oneClass = TestData.Keys(ml, ["only"], "only", "only");
        var e = Assert.Throws<ArgumentException>(() => ml.Transforms.SmoothLabels(0.1).Fit(oneClass));
        StringAssert.Contains(e.Message, "'Label'");
        var oneSlot = TestData.Vectors(ml, 1, [[1f], [1f]]);
        e = Assert.Throws<ArgumentException>(() => ml.Transforms.SharpenLabels(0.5).Fit(oneSlot));
        StringAssert.Contains(e.Message, "'Label'");
    }

    [TestMethod]
    [DataRow(nameof(OddColumns.Text))]
    [DataRow(nameof(OddColumns.Doubles))]
    [DataRow(nameof(OddColumns.Integers))]
    [DataRow(nameof(OddColumns.Scalar))]
    [DataRow(nameof(OddColumns.Variable))]
    [DataRow("Label")]
    public void AFeatureColumnOfTheWrongType_StopsFit_NamingTheColumnAndItsType(string column)
    {
        var ml = TestData.Context();
        var view = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 6).Select(i => new OddColumns { Name = Abc[i % 3], Variable = new float[1 + i % 2] }).ToList());
        var keyData = ml.Data.LoadFromEnumerable(Abc.Select(n => new TestData.NameRow { Name = n }));
        var data = ml.Transforms.Conversion.MapValueToKey("Label", "Name", keyData: keyData).Fit(view).Transform(view);
        var e = Assert.Throws<ArgumentException>(() =>
            new SoftTargetCrossEntropyTrainer(Adam with { FeatureColumnName = column, SoftTargetColumnName = null }).Fit(data));
        StringAssert.Contains(e.Message, $"'{column}'");
        StringAssert.Contains(e.Message, data.Schema[column].Type.ToString(), "the column's actual type");
        StringAssert.Contains(e.Message, "Single", "the type that was expected");
    }

    [TestMethod]
    [DataRow("defaults", false)]
    [DataRow("adam", false)]
    [DataRow("cached", false)]
    [DataRow("defaults", true)]
    [DataRow("adam", true)]
    public void EmptyTrainingData_StopsFit_SayingThereAreNoRows(string path, bool hideRowCount)
    {
        var ml = TestData.Context();
        var empty = View(ml, Abc, Array.Empty<Row>(), d: 6, s: 3);
        Assert.AreEqual(0, empty.GetColumn<uint>("Label").Count(), "the view really is empty");
        var data = new CountingDataView(empty, hideRowCount);
        var e = Assert.Throws<InvalidOperationException>(() => new SoftTargetCrossEntropyTrainer(Path(path)).Fit(data));
        StringAssert.Contains(e.Message, "no rows");
    }

    [TestMethod]
    public void CudaRequested_OnAMachineWithoutCuda_FailsAtFitNamingCuda()
    {
        var ml = TestData.Context();
        var data = View(ml, Abc, Rows(20, 6, Abc));
        var trainer = new SoftTargetCrossEntropyTrainer(Adam with { Device = TrainingDevice.Cuda(0) });
        if (File.Exists("/dev/nvidiactl"))
        {
            // A machine with an NVIDIA driver: then CUDA must train (an honest check, not a silent pass).
            Assert.IsNotNull(trainer.Fit(data));
            return;
        }
        var e = Assert.Throws<InvalidOperationException>(() => trainer.Fit(data));
        StringAssert.Contains(e.Message, "CUDA");
    }

    public sealed class OddColumns
    {
        public string Name { get; set; } = "";

        public string Text { get; set; } = "some words";

        [VectorType(3)]
        public double[] Doubles { get; set; } = [1, 2, 3];

        [VectorType(3)]
        public int[] Integers { get; set; } = [1, 2, 3];

        public float Scalar { get; set; } = 1;

        public float[] Variable { get; set; } = [];
    }
}

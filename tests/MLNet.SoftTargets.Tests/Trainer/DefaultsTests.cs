using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets.Tests.Trainer;

/// <summary>The trainer called with its defaults trains to convergence, as ML.NET's own trainers do.</summary>
[TestClass]
public sealed class DefaultsTests
{
    [TestMethod]
    public void WithNoArguments_TheDigitsReachLbfgsMaximumEntropysAccuracy()
    {
        var ml = TestData.Context();
        var (train, test) = DigitsData.Split(ml);
        var smoothed = DigitsData.Smoothed(ml, train, 0.1);
        var model = ml.MulticlassClassification.Trainers.SoftTargetCrossEntropy().Fit(smoothed);
        double ours = ml.MulticlassClassification.Evaluate(model.Transform(test)).MicroAccuracy;
        Console.WriteLine($"defaults: {ours:F4}, {model.History.Count} iterations, {model.History[^1].StopReason}");
        Assert.IsGreaterThanOrEqualTo(0.89, ours, "LbfgsMaximumEntropy reaches 0.899 on this split");
        Assert.AreEqual(TrainingStopReason.Converged, model.History[^1].StopReason);
    }

    [TestMethod]
    public void WithNoArguments_AnMlpTrainsOnTheAutomaticBudget_AndStopsOnAPlateauOrItsBudget()
    {
        var ml = TestData.Context();
        var (train, test) = DigitsData.Split(ml);
        var model = new SoftTargetCrossEntropyTrainer(new SoftTargetCrossEntropyTrainer.Options { SoftTargetColumnName = null, HiddenLayerSizes = [32], Threads = 1 })
            .Fit(train);
        double accuracy = ml.MulticlassClassification.Evaluate(model.Transform(test)).MicroAccuracy;
        Console.WriteLine($"MLP defaults: {accuracy:F4}, {model.History.Count} epochs, {model.History[^1].StopReason}");
        Assert.IsGreaterThanOrEqualTo(0.90, accuracy, "LbfgsMaximumEntropy's linear model reaches 0.899 on this split");
        Assert.IsTrue(model.History[^1].StopReason is TrainingStopReason.Plateau or TrainingStopReason.BudgetSpent);
        Assert.IsGreaterThan(10, model.History.Count, "far more than the old 10 epochs of 22 steps");
    }

    [TestMethod]
    public void WithNoArguments_OneHundredRowsOfAFourClassProblemTrainToItsBayesAccuracy()
    {
        var ml = TestData.Context();
        var random = new Random(7);
        // Four Gaussian classes on a square in 5 dimensions, ±1.5 apart: most rows are separable.
        List<Row> Rows(int n) => Enumerable.Range(0, n).Select(i =>
        {
            int c = i % 4;
            return new Row
            {
                Digit = c.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Features = Enumerable.Range(0, 5).Select(d => (float)((d == 0 ? (c % 2) * 3 - 1.5 : d == 1 ? (c / 2) * 3 - 1.5 : 0) + Normal(random))).ToArray(),
            };
        }).ToList();
        var keys = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 4).Select(c => new KeyRow { Digit = c.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
        var key = ml.Transforms.Conversion.MapValueToKey("Label", nameof(Row.Digit), keyData: keys);
        var train = key.Fit(ml.Data.LoadFromEnumerable(Rows(100))).Transform(ml.Data.LoadFromEnumerable(Rows(100)));
        var testRows = ml.Data.LoadFromEnumerable(Rows(4000));
        var test = key.Fit(testRows).Transform(testRows);
        var ours = ml.MulticlassClassification.Trainers.SoftTargetCrossEntropy(softTargetColumnName: null).Fit(train);
        var lbfgs = ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy().Fit(train);
        double a = ml.MulticlassClassification.Evaluate(ours.Transform(test)).MicroAccuracy;
        double b = ml.MulticlassClassification.Evaluate(lbfgs.Transform(test)).MicroAccuracy;
        Console.WriteLine($"100 rows: ours {a:F4} ({ours.History[^1].StopReason}), LbfgsMaximumEntropy {b:F4}");
        // Φ(1.5)² ≈ 0.87 of the rows fall in their class's quadrant: that is about the best a classifier can do.
        Assert.IsGreaterThanOrEqualTo(0.84, a);
        Assert.IsGreaterThanOrEqualTo(b - 0.02, a, "within 0.02 of LbfgsMaximumEntropy");
    }

    [TestMethod]
    public void AMissingSoftTargetColumn_SaysHowToMakeOne_OrHowToTrainOnLabels()
    {
        var ml = TestData.Context();
        var (train, _) = DigitsData.Split(ml);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.SoftTargetCrossEntropy().Fit(train));
        StringAssert.Contains(e.Message, "'SoftTarget'");
        StringAssert.Contains(e.Message, "SmoothLabels");
        StringAssert.Contains(e.Message, "SharpenLabels");
        StringAssert.Contains(e.Message, "softTargetColumnName: null");
    }

    [TestMethod]
    public void AViewThatDoesNotKnowItsRowCount_IsCounted_AndTrainsTheSameModel()
    {
        var ml = TestData.Context();
        var (train, test) = DigitsData.Split(ml);
        var trainer = ml.MulticlassClassification.Trainers.SoftTargetCrossEntropy(softTargetColumnName: null);
        var counted = trainer.Fit(train);
        var uncounted = trainer.Fit(new CountingDataView(train, hideRowCount: true));
        Assert.AreEqual(counted.History.Count, uncounted.History.Count, "same optimizer and stop");
        CollectionAssert.AreEqual(Scores(ml, counted, test), Scores(ml, uncounted, test), "bit-equal scores");
    }

    [TestMethod]
    public void TheUnsetOptimizer_IsLbfgsUpToTheValueLimit_AndAdamAbove()
    {
        var options = new SoftTargetCrossEntropyTrainer.Options { SoftTargetColumnName = null };
        var ml = TestData.Context();
        var rows = ml.Data.LoadFromEnumerable(new[] { new Row { Features = new float[5], Digit = "0" }, new Row { Features = new float[5], Digit = "1" } });
        var schema = TrainingSchema.Create(ml.Transforms.Conversion.MapValueToKey("Label", nameof(Row.Digit)).Fit(rows).Transform(rows).Schema, options);
        long limitRows = AutomaticSettings.LbfgsMaximumValues / 5;
        Assert.AreEqual(SoftTargetOptimizer.Lbfgs, AutomaticSettings.Resolve(options, schema, limitRows, false).Optimizer);
        Assert.AreEqual(SoftTargetOptimizer.Adam, AutomaticSettings.Resolve(options, schema, limitRows + 1, false).Optimizer);
        Assert.AreEqual(SoftTargetOptimizer.Adam, AutomaticSettings.Resolve(options, schema, null, false).Optimizer, "unknown count (never reached by Fit, which counts)");
        Assert.AreEqual(SoftTargetOptimizer.Adam, AutomaticSettings.Resolve(options with { HiddenLayerSizes = [8] }, schema, 100, false).Optimizer);
        Assert.AreEqual(SoftTargetOptimizer.Adam, AutomaticSettings.Resolve(options with { LearningRate = 0.01 }, schema, 100, false).Optimizer);
        Assert.AreEqual(SoftTargetOptimizer.Lbfgs, AutomaticSettings.Resolve(options with { Optimizer = SoftTargetOptimizer.Lbfgs }, schema, limitRows * 10, false).Optimizer);
    }

    [TestMethod]
    public void AnExplicitWeightDecay_SkipsThePath_AndGivesTheFixedStrengthsModel()
    {
        var ml = TestData.Context();
        var (train, test) = DigitsData.Split(ml);
        var log = new List<string>();
        double n = train.GetRowCount() ?? throw new InvalidOperationException();
        var model = new SoftTargetCrossEntropyTrainer(new SoftTargetCrossEntropyTrainer.Options { SoftTargetColumnName = null, WeightDecay = 1 / n, Log = log.Add }).Fit(train);
        var path = new List<string>();
        var automatic = new SoftTargetCrossEntropyTrainer(new SoftTargetCrossEntropyTrainer.Options { SoftTargetColumnName = null, Log = path.Add }).Fit(train);
        Assert.IsFalse(log.Any(l => l.StartsWith("L2 path", StringComparison.Ordinal)), "no path with WeightDecay set");
        Assert.IsTrue(path.Any(l => l.StartsWith("L2 path: chose", StringComparison.Ordinal)), string.Join("\n", path));
        double fixedAccuracy = ml.MulticlassClassification.Evaluate(model.Transform(test)).MicroAccuracy;
        double chosenAccuracy = ml.MulticlassClassification.Evaluate(automatic.Transform(test)).MicroAccuracy;
        Console.WriteLine($"λ = 1/N: {fixedAccuracy:F4}; chosen: {chosenAccuracy:F4}; {path.Last(l => l.StartsWith("L2 path: chose", StringComparison.Ordinal))}");
        Assert.IsGreaterThanOrEqualTo(0.89, fixedAccuracy);
        Assert.IsGreaterThanOrEqualTo(0.89, chosenAccuracy);
    }

    private static float[] Scores(MLContext ml, ITransformer model, IDataView test) =>
        [.. ml.Data.CreateEnumerable<ScoreRow>(model.Transform(test), reuseRowObject: false).SelectMany(r => r.Score)];

    private static double Normal(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private sealed class ScoreRow
    {
        public float[] Score { get; set; } = [];
    }

    private sealed class KeyRow
    {
        public string Digit { get; set; } = "";
    }

    private sealed class Row
    {
        [VectorType(5)]
        public float[] Features { get; set; } = [];

        public string Digit { get; set; } = "";
    }
}

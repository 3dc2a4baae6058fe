using Microsoft.ML;
using MLNet.SoftTargets.Plots;
using SkiaSharp;

namespace MLNet.SoftTargets.Tests.Plots;

/// <summary>
/// Renders every picture of <see cref="CalibrationPlots"/> from hand-made inputs and checks that a decodable PNG of the
/// requested size comes out. Set SOFTTARGETS_PLOTS_DIR to keep the pictures (to look at them); otherwise they go to a
/// temporary directory that is deleted afterwards.
/// </summary>
[TestClass]
public sealed class CalibrationPlotsTests
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    private string directory = "";
    private bool keep;

    [TestInitialize]
    public void CreateDirectory()
    {
        var kept = Environment.GetEnvironmentVariable("SOFTTARGETS_PLOTS_DIR");
        keep = !string.IsNullOrEmpty(kept);
        // A directory that does not exist yet: the methods must create it.
        directory = keep ? kept! : Path.Combine(Path.GetTempPath(), "softtargets-plots-" + Guid.NewGuid().ToString("N"), "nested");
    }

    [TestCleanup]
    public void DeleteDirectory()
    {
        if (!keep && Directory.Exists(Path.GetDirectoryName(directory)))
            Directory.Delete(Path.GetDirectoryName(directory)!, recursive: true);
    }

    /// <summary>10 bins of an over-confident model: bins 0–3 empty, accuracy below confidence above 0.5.</summary>
    internal static CalibrationMetrics OverconfidentMetrics(double shift = 0.12)
    {
        var bins = new List<CalibrationBin>();
        long rows = 0;
        double ece = 0;
        var counts = new long[] { 0, 0, 0, 0, 12, 30, 55, 90, 160, 653 };
        for (int b = 0; b < 10; b++)
        {
            double lower = b / 10.0, upper = (b + 1) / 10.0;
            long n = counts[b];
            double confidence = n == 0 ? double.NaN : lower + 0.06;
            double accuracy = n == 0 ? double.NaN : Math.Max(0, confidence - shift * (b - 3) / 6.0);
            bins.Add(new CalibrationBin(lower, upper, n, confidence, accuracy));
            rows += n;
        }
        foreach (var bin in bins)
            ece += (double)bin.Count / rows * bin.Gap;
        return new CalibrationMetrics
        {
            ExpectedCalibrationError = ece,
            MaximumCalibrationError = bins.Max(b => b.Gap),
            ClasswiseExpectedCalibrationError = 0,
            LogLoss = 0.35,
            BrierScore = 0.2,
            Accuracy = 0.85,
            RowCount = rows,
            Bins = bins,
        };
    }

    /// <summary>An under-confident model (accuracy above confidence), as label smoothing tends to give.</summary>
    internal static CalibrationMetrics UnderconfidentMetrics()
    {
        var bins = new List<CalibrationBin>();
        var counts = new long[] { 0, 0, 0, 8, 20, 45, 120, 300, 380, 127 };
        for (int b = 0; b < 10; b++)
        {
            long n = counts[b];
            double confidence = n == 0 ? double.NaN : b / 10.0 + 0.05;
            double accuracy = n == 0 ? double.NaN : Math.Min(1, confidence + 0.08);
            bins.Add(new CalibrationBin(b / 10.0, (b + 1) / 10.0, n, confidence, accuracy));
        }
        long rows = counts.Sum();
        return new CalibrationMetrics
        {
            ExpectedCalibrationError = bins.Sum(b => (double)b.Count / rows * b.Gap),
            MaximumCalibrationError = bins.Max(b => b.Gap),
            ClasswiseExpectedCalibrationError = 0,
            LogLoss = 0.3, BrierScore = 0.18, Accuracy = 0.88, RowCount = rows, Bins = bins,
        };
    }

    internal static List<TrainingProgress> History(int epochs, bool validation)
    {
        var history = new List<TrainingProgress>();
        for (int e = 1; e <= epochs; e++)
        {
            double loss = 0.3 + 1.9 * Math.Exp(-0.45 * e);
            history.Add(new TrainingProgress(e, e * 50L, loss, validation ? loss + 0.05 + 0.01 * e : null,
                validation ? 0.97 - 0.6 * Math.Exp(-0.5 * e) : null, 12_000, 0, 0.8));
        }
        return history;
    }

    internal static TemplatePlaneProjection Projection()
    {
        var random = new Random(42);
        (double X, double Y)[] templates = [(0, 0), (6, 0), (2.5, 5)];
        var points = new List<(double X, double Y, int Class)>();
        for (int c = 0; c < 3; c++)
        {
            for (int i = 0; i < 150; i++)
            {
                // Box–Muller, spread 0.8 around a point pulled a little towards the centre of the three templates.
                double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
                double r = Math.Sqrt(-2 * Math.Log(u1)) * 0.8;
                double cx = 0.8 * templates[c].X + 0.2 * 8.5 / 3, cy = 0.8 * templates[c].Y + 0.2 * 5 / 3.0;
                points.Add((cx + r * Math.Cos(2 * Math.PI * u2), cy + r * Math.Sin(2 * Math.PI * u2), c));
            }
        }
        return new TemplatePlaneProjection(["digit 0", "digit 1", "digit 7"], templates, points);
    }

    private static void AssertPng(string path, int width, int height)
    {
        Assert.IsTrue(File.Exists(path), $"{path} was not written");
        var bytes = File.ReadAllBytes(path);
        Assert.IsGreaterThan(PngSignature.Length, bytes.Length, "the file is empty");
        CollectionAssert.AreEqual(PngSignature, bytes[..PngSignature.Length], "not a PNG signature");
        using var bitmap = SKBitmap.Decode(bytes);
        Assert.IsNotNull(bitmap, "the PNG does not decode");
        Assert.AreEqual(width, bitmap.Width);
        Assert.AreEqual(height, bitmap.Height);
        // Something was drawn: a blank picture has one colour.
        var colours = new HashSet<uint>();
        for (int y = 0; y < bitmap.Height; y += 3)
            for (int x = 0; x < bitmap.Width; x += 3)
                colours.Add((uint)bitmap.GetPixel(x, y));
        Assert.IsGreaterThan(20, colours.Count, "the picture looks blank");
    }

    [TestMethod]
    public void ReliabilityDiagram_IsAPngOfTheRequestedSize()
    {
        var path = Path.Combine(directory, "reliability.png");
        CalibrationPlots.SaveReliabilityDiagram(OverconfidentMetrics(), path, "Hard labels");
        AssertPng(path, 800, 600);

        var small = Path.Combine(directory, "reliability-small.png");
        CalibrationPlots.SaveReliabilityDiagram(UnderconfidentMetrics(), small, "Label smoothing 0.1", 400, 300);
        AssertPng(small, 400, 300);
    }

    [TestMethod]
    public void ReliabilityWithHistogram_AndClasswiseDiagrams_RenderFromRealMetrics()
    {
        // Real metrics of both binnings and their classwise bins, from scores of 4 classes.
        var ml = TestData.Context();
        var rng = new Random(3);
        var rows = Enumerable.Range(0, 600).Select(i =>
        {
            var e = Enumerable.Range(0, 4).Select(_ => Math.Exp(3 * rng.NextDouble())).ToArray();
            return (e.Select(v => (float)(v / e.Sum())).ToArray(), rng.Next(4));
        }).ToArray();
        var data = Calibration.EvaluateCalibrationTests.Scored(ml, 4, rows);
        foreach (var binning in new[] { CalibrationBinning.EqualWidth, CalibrationBinning.EqualMass })
        {
            var metrics = ml.MulticlassClassification.EvaluateCalibration(data, bins: 10, binning: binning);
            string path = Path.Combine(directory, $"histogram-{binning}.png");
            CalibrationPlots.SaveReliabilityWithHistogram(metrics, path, $"Reliability, {binning}", 700, 800);
            AssertPng(path, 700, 800);
            string classwise = Path.Combine(directory, $"classwise-{binning}.png");
            CalibrationPlots.SaveClasswiseReliability(metrics, classwise, "Classwise", ["a", "b", "c", "d"], columns: 2, panelSize: 300);
            AssertPng(classwise, 600, 2 * 300 + 60);
        }
        var one = ml.MulticlassClassification.EvaluateCalibration(data);
        Assert.ThrowsExactly<ArgumentException>(() => CalibrationPlots.SaveClasswiseReliability(one, Path.Combine(directory, "x.png"), "x", ["a"]));
        Assert.ThrowsExactly<ArgumentException>(() => CalibrationPlots.SaveClasswiseReliability(OverconfidentMetrics(), Path.Combine(directory, "y.png"), "y"));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => CalibrationPlots.SaveClasswiseReliability(one, Path.Combine(directory, "z.png"), "z", columns: 0));
    }

    [TestMethod]
    public void ReliabilityDiagram_WithOnlyEmptyBins_StillRenders()
    {
        var path = Path.Combine(directory, "reliability-empty.png");
        var metrics = OverconfidentMetrics() with { Bins = [new CalibrationBin(0, 1, 0, double.NaN, double.NaN)] };
        CalibrationPlots.SaveReliabilityDiagram(metrics, path, "", 320, 240);
        AssertPng(path, 320, 240);
    }

    [TestMethod]
    public void ReliabilityComparison_PutsOnePanelPerModelSideBySide()
    {
        var path = Path.Combine(directory, "reliability-comparison.png");
        CalibrationPlots.SaveReliabilityComparison(
            [("Hard labels", OverconfidentMetrics()), ("Label smoothing 0.1", UnderconfidentMetrics()), ("Temperature scaled", OverconfidentMetrics(0.02))],
            path, "Digits, 10 bins", panelWidth: 420, height: 460);
        AssertPng(path, 3 * 420, 460);
    }

    [TestMethod]
    public void TrainingCurves_WithAndWithoutValidation_AreAPng()
    {
        var path = Path.Combine(directory, "training.png");
        CalibrationPlots.SaveTrainingCurves(History(12, validation: true), path, "SoftTargetCrossEntropy on digits");
        AssertPng(path, 800, 600);

        var noValidation = Path.Combine(directory, "training-no-validation.png");
        CalibrationPlots.SaveTrainingCurves(History(5, validation: false), noValidation, "No validation data", 640, 480);
        AssertPng(noValidation, 640, 480);

        var oneEpoch = Path.Combine(directory, "training-one-epoch.png");
        CalibrationPlots.SaveTrainingCurves(History(1, validation: true), oneEpoch, "One epoch", 400, 300);
        AssertPng(oneEpoch, 400, 300);
    }

    [TestMethod]
    public void TemplatePlane_IsAPngOfTheRequestedSize()
    {
        var path = Path.Combine(directory, "template-plane.png");
        CalibrationPlots.SaveTemplatePlane(Projection(), path, "Penultimate layer, hard labels");
        AssertPng(path, 700, 700);

        var wide = Path.Combine(directory, "template-plane-wide.png");
        CalibrationPlots.SaveTemplatePlane(Projection(), wide, "Wide", 900, 500);
        AssertPng(wide, 900, 500);
    }

    [TestMethod]
    public void BadArguments_ThrowNamingTheArgument()
    {
        var path = Path.Combine(directory, "bad.png");
        var metrics = OverconfidentMetrics();
        void Expect<T>(string name, Action call) where T : ArgumentException
            => Assert.AreEqual(name, Assert.Throws<T>(call).ParamName);

        Expect<ArgumentNullException>("metrics", () => CalibrationPlots.SaveReliabilityDiagram(null!, path, "t"));
        Expect<ArgumentException>("metrics", () => CalibrationPlots.SaveReliabilityDiagram(metrics with { Bins = [] }, path, "t"));
        Expect<ArgumentNullException>("path", () => CalibrationPlots.SaveReliabilityDiagram(metrics, null!, "t"));
        Expect<ArgumentException>("path", () => CalibrationPlots.SaveReliabilityDiagram(metrics, "", "t"));
        Expect<ArgumentNullException>("title", () => CalibrationPlots.SaveReliabilityDiagram(metrics, path, null!));
        Expect<ArgumentOutOfRangeException>("width", () => CalibrationPlots.SaveReliabilityDiagram(metrics, path, "t", 0));
        Expect<ArgumentOutOfRangeException>("height", () => CalibrationPlots.SaveReliabilityDiagram(metrics, path, "t", 800, -1));

        Expect<ArgumentNullException>("history", () => CalibrationPlots.SaveTrainingCurves(null!, path, "t"));
        Expect<ArgumentException>("history", () => CalibrationPlots.SaveTrainingCurves([], path, "t"));
        Expect<ArgumentException>("history", () => CalibrationPlots.SaveTrainingCurves([null!], path, "t"));
        Expect<ArgumentException>("path", () => CalibrationPlots.SaveTrainingCurves(History(3, true), " ", "t"));

        var projection = Projection();
        Expect<ArgumentNullException>("projection", () => CalibrationPlots.SaveTemplatePlane(null!, path, "t"));
        Expect<ArgumentException>("projection", () => CalibrationPlots.SaveTemplatePlane(projection with { Points = [] }, path, "t"));
        Expect<ArgumentException>("projection", () => CalibrationPlots.SaveTemplatePlane(projection with { Templates = [(0, 0)] }, path, "t"));
        Expect<ArgumentException>("projection", () => CalibrationPlots.SaveTemplatePlane(projection with { Points = [(0, 0, 3)] }, path, "t"));
        Expect<ArgumentException>("path", () => CalibrationPlots.SaveTemplatePlane(projection, "", "t"));

        Expect<ArgumentNullException>("models", () => CalibrationPlots.SaveReliabilityComparison(null!, path, "t"));
        Expect<ArgumentException>("models", () => CalibrationPlots.SaveReliabilityComparison([], path, "t"));
        Expect<ArgumentException>("models", () => CalibrationPlots.SaveReliabilityComparison([("a", metrics with { Bins = [] })], path, "t"));
        Expect<ArgumentException>("models", () => CalibrationPlots.SaveReliabilityComparison([("a", null!)], path, "t"));
        Expect<ArgumentOutOfRangeException>("panelWidth", () => CalibrationPlots.SaveReliabilityComparison([("a", metrics)], path, "t", 0));

        Assert.IsFalse(File.Exists(path), "nothing is written when an argument is bad");
    }
}

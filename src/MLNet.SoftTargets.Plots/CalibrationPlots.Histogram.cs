using System.Globalization;
using ScottPlot;

namespace MLNet.SoftTargets.Plots;

public static partial class CalibrationPlots
{
    /// <summary>
    /// A reliability diagram over a confidence histogram: the top panel as <see cref="SaveReliabilityDiagram"/>, the bottom
    /// one the share of rows in each bin (bars at the bins' positions), so a reader sees how many rows stand behind each
    /// bar. Works with equal-width and equal-mass bins (<see cref="CalibrationMetrics.Binning"/>).
    /// </summary>
    /// <param name="metrics">From <c>EvaluateCalibration</c>.</param>
    /// <param name="path">The PNG to write (its directory is created).</param>
    /// <param name="title">The picture's title.</param>
    /// <param name="width">Pixels.</param>
    /// <param name="height">Pixels (two panels of equal height).</param>
    /// <exception cref="ArgumentNullException"><paramref name="metrics"/> is null.</exception>
    /// <exception cref="ArgumentException">The metrics have no bins, or <paramref name="path"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="width"/> or <paramref name="height"/> is not positive.</exception>
    public static void SaveReliabilityWithHistogram(CalibrationMetrics metrics, string path, string title, int width = 800, int height = 800)
    {
        CheckMetrics(metrics, nameof(metrics));
        CheckOutput(path, title, width, height);
        var multiplot = new Multiplot();
        try
        {
            multiplot.AddPlots(2);
            multiplot.Layout = new ScottPlot.MultiplotLayouts.Rows();
            string binning = metrics.Binning == CalibrationBinning.EqualMass ? "equal-mass" : "equal-width";
            DrawReliability(multiplot.GetPlot(0), metrics, WithEce($"{metrics.Bins.Count} {binning} bins", metrics));
            DrawHistogram(multiplot.GetPlot(1), metrics);
            RenderWithHeader(multiplot, title, width, height, path);
        }
        finally
        {
            foreach (var plot in multiplot.GetPlots())
                plot.Dispose();
        }
    }

    /// <summary>
    /// Classwise reliability diagrams (Kull et al. 2019): one panel per class k, the equal-width bins of p_k against the
    /// frequency of label k (<see cref="CalibrationMetrics.ClasswiseBins"/>), each titled with its ECE_k; the header gives
    /// the classwise ECE (their mean). Panels fill a grid of <paramref name="columns"/> columns.
    /// </summary>
    /// <param name="metrics">From <c>EvaluateCalibration</c>.</param>
    /// <param name="path">The PNG to write (its directory is created).</param>
    /// <param name="title">The picture's title.</param>
    /// <param name="classNames">Panel titles (default "class 0", "class 1", …); one per class.</param>
    /// <param name="columns">Panels per row.</param>
    /// <param name="panelSize">Pixels per panel side.</param>
    /// <exception cref="ArgumentNullException"><paramref name="metrics"/> is null.</exception>
    /// <exception cref="ArgumentException">The metrics have no classwise bins, the class names do not match them, or <paramref name="path"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="columns"/> or <paramref name="panelSize"/> is not positive, or the picture would be too large.</exception>
    public static void SaveClasswiseReliability(CalibrationMetrics metrics, string path, string title, IReadOnlyList<string>? classNames = null,
        int columns = 5, int panelSize = 320)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        if (metrics.ClasswiseBins is not { Count: > 0 } perClass)
            throw new ArgumentException("The metrics have no classwise bins.", nameof(metrics));
        if (classNames is not null && classNames.Count != perClass.Count)
            throw new ArgumentException($"{classNames.Count} class names for {perClass.Count} classes.", nameof(classNames));
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        int rows = (perClass.Count + columns - 1) / columns, used = Math.Min(columns, perClass.Count);
        long width = (long)panelSize * used, height = (long)panelSize * rows + 60;
        if (width > 32_767 || height > 32_767)
            throw new ArgumentOutOfRangeException(nameof(panelSize), panelSize, $"{perClass.Count} panels of {panelSize} pixels are too large for one picture.");
        CheckOutput(path, title, (int)width, (int)height, nameof(panelSize));
        var multiplot = new Multiplot();
        try
        {
            multiplot.AddPlots(perClass.Count);
            multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(rows, used);
            long n = perClass[0].Sum(b => b.Count);
            for (int k = 0; k < perClass.Count; k++)
            {
                var bins = perClass[k];
                double ecek = n == 0 ? 0 : bins.Sum(b => b.Count / (double)n * b.Gap);
                var classMetrics = metrics with { Bins = bins, ExpectedCalibrationError = ecek };
                DrawReliability(multiplot.GetPlot(k), classMetrics, WithEce(classNames?[k] ?? $"class {k}", classMetrics));
                multiplot.GetPlot(k).XLabel($"p({classNames?[k] ?? $"class {k}"})");
                multiplot.GetPlot(k).YLabel("Frequency");
            }
            string header = $"{title} — classwise ECE {metrics.ClasswiseExpectedCalibrationError.ToString("F3", CultureInfo.InvariantCulture)}";
            RenderWithHeader(multiplot, header, (int)width, (int)height, path);
        }
        finally
        {
            foreach (var plot in multiplot.GetPlots())
                plot.Dispose();
        }
    }

    private static void DrawHistogram(Plot plot, CalibrationMetrics metrics)
    {
        double total = Math.Max(1, metrics.Bins.Sum(b => b.Count));
        var bars = new List<Bar>();
        double highest = 0;
        foreach (var bin in metrics.Bins)
        {
            if (bin is null || bin.Count <= 0 || !double.IsFinite(bin.Lower) || !double.IsFinite(bin.Upper))
                continue;
            // An equal-mass bin can be a single confidence: give it a visible width.
            double size = Math.Max(bin.Upper - bin.Lower, 0.004), share = bin.Count / total;
            highest = Math.Max(highest, share);
            bars.Add(new Bar { Position = (bin.Lower + bin.Upper) / 2, Size = size, ValueBase = 0, Value = share, FillColor = AccuracyFill, LineColor = AccuracyLine, LineWidth = 1 });
        }
        plot.Add.Bars(bars);
        plot.Title($"Rows per bin (of {total.ToString("N0", CultureInfo.InvariantCulture)})");
        plot.XLabel("Confidence");
        plot.YLabel("Share of rows");
        plot.Axes.SetLimits(0, 1, 0, Math.Max(0.05, highest * 1.1));
        UseSansFont(plot);
    }
}

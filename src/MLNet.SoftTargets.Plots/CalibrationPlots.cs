using System.Globalization;
using ScottPlot;
using SkiaSharp;

namespace MLNet.SoftTargets.Plots;

/// <summary>
/// PNG pictures of the library's diagnostics, drawn with ScottPlot: reliability diagrams of
/// <see cref="CalibrationMetrics"/>, training curves of <see cref="TrainingProgress"/> reports and the template-plane
/// projection of Müller, Kornblith &amp; Hinton (2019) (<see cref="TemplatePlaneProjection"/>).
/// </summary>
/// <remarks>
/// Every method writes a PNG of exactly the requested size to <c>path</c> (whatever its extension), creating the
/// directory when missing and overwriting an existing file. Rendering is headless (SkiaSharp, no display needed); on
/// Linux the bundled native Skia needs no fontconfig, and text uses the fonts installed on the machine.
/// </remarks>
public static partial class CalibrationPlots
{
    private static readonly Color AccuracyFill = Color.FromHex("#4C72B0");
    private static readonly Color AccuracyLine = Color.FromHex("#2B4570");
    private static readonly Color GapFill = Colors.Red.WithAlpha(0.25);
    private static readonly IHatch GapHatch = new ScottPlot.Hatches.Striped(ScottPlot.Hatches.StripeDirection.DiagonalUp);
    private static readonly Color GapLine = Colors.Red.WithAlpha(0.8);

    /// <summary>
    /// Saves a reliability diagram (Guo et al. 2017): one bar per confidence bin whose height is the bin's accuracy,
    /// the gap to the bin's mean confidence shaded in translucent red, and the diagonal of perfect calibration.
    /// </summary>
    /// <param name="metrics">The calibration metrics; at least one bin. Empty bins are drawn empty.</param>
    /// <param name="path">The PNG file to write.</param>
    /// <param name="title">The picture's title; the ECE is appended (<c>"title — ECE 0.045"</c>).</param>
    /// <param name="width">Width in pixels (&gt; 0).</param>
    /// <param name="height">Height in pixels (&gt; 0).</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="metrics"/> has no bins, or <paramref name="path"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="width"/> or <paramref name="height"/> is not positive.</exception>
    public static void SaveReliabilityDiagram(CalibrationMetrics metrics, string path, string title, int width = 800, int height = 600)
    {
        CheckMetrics(metrics, nameof(metrics));
        CheckOutput(path, title, width, height);

        using var plot = new Plot();
        DrawReliability(plot, metrics, WithEce(title, metrics));
        Save(plot, path, width, height);
    }

    /// <summary>
    /// Saves several reliability diagrams side by side (one panel per model, same axes), under one title — e.g. hard
    /// labels vs label smoothing vs temperature scaling.
    /// </summary>
    /// <param name="models">The models' names and calibration metrics, in panel order (left to right); at least one,
    /// each with at least one bin.</param>
    /// <param name="path">The PNG file to write.</param>
    /// <param name="title">The title above all panels (left out when the picture is 120 pixels high or less); each panel
    /// is titled with its model's name and ECE.</param>
    /// <param name="panelWidth">Width of one panel in pixels (&gt; 0); the picture is <c>panelWidth · models.Count</c> wide.</param>
    /// <param name="height">Height in pixels (&gt; 0).</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="models"/> is empty, or has a null name or metrics without
    /// bins; or <paramref name="path"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="panelWidth"/> or <paramref name="height"/> is not positive.</exception>
    public static void SaveReliabilityComparison(IReadOnlyList<(string Name, CalibrationMetrics Metrics)> models, string path, string title,
        int panelWidth = 450, int height = 500)
    {
        ArgumentNullException.ThrowIfNull(models);
        if (models.Count == 0)
            throw new ArgumentException("Give at least one model.", nameof(models));
        foreach (var (name, metrics) in models)
        {
            if (name is null)
                throw new ArgumentException("A model name is null.", nameof(models));
            if (metrics is null)
                throw new ArgumentException($"The metrics of '{name}' are null.", nameof(models));
            if (metrics.Bins is null || metrics.Bins.Count == 0)
                throw new ArgumentException($"The metrics of '{name}' have no bins.", nameof(models));
        }
        CheckOutput(path, title, panelWidth, height, nameof(panelWidth));
        long totalWidth = (long)panelWidth * models.Count;
        if (totalWidth > 32_767)
            throw new ArgumentOutOfRangeException(nameof(panelWidth), panelWidth, $"{models.Count} panels of {panelWidth} pixels are too wide for one picture.");

        var multiplot = new Multiplot();
        try
        {
            multiplot.AddPlots(models.Count);
            multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
            for (int i = 0; i < models.Count; i++)
                DrawReliability(multiplot.GetPlot(i), models[i].Metrics, WithEce(models[i].Name, models[i].Metrics));
            RenderWithHeader(multiplot, title, (int)totalWidth, height, path);
        }
        finally
        {
            foreach (var plot in multiplot.GetPlots())
                plot.Dispose();
        }
    }

    private static void DrawReliability(Plot plot, CalibrationMetrics metrics, string title)
    {
        var accuracyBars = new List<Bar>();
        var gapBars = new List<Bar>();
        foreach (var bin in metrics.Bins)
        {
            if (bin is null || bin.Count <= 0 || !double.IsFinite(bin.Accuracy) || !double.IsFinite(bin.MeanConfidence))
                continue; // an empty bin is drawn empty
            double position = (bin.Lower + bin.Upper) / 2, size = bin.Upper - bin.Lower;
            accuracyBars.Add(new Bar
            {
                Position = position, Size = size, ValueBase = 0, Value = bin.Accuracy,
                FillColor = AccuracyFill, LineColor = AccuracyLine, LineWidth = 1,
            });
            gapBars.Add(new Bar
            {
                Position = position, Size = size,
                ValueBase = Math.Min(bin.Accuracy, bin.MeanConfidence), Value = Math.Max(bin.Accuracy, bin.MeanConfidence),
                FillColor = GapFill, FillHatch = GapHatch, FillHatchColor = GapLine, LineColor = GapLine, LineWidth = 1,
            });
        }

        plot.Add.Bars(accuracyBars);
        plot.Add.Bars(gapBars);
        // A white halo under the dashed diagonal keeps it visible where it crosses the dark bars.
        var halo = plot.Add.Line(0, 0, 1, 1);
        halo.LineColor = Colors.White.WithAlpha(0.85);
        halo.LineWidth = 4;
        var diagonal = plot.Add.Line(0, 0, 1, 1);
        diagonal.LineColor = Colors.DimGray;
        diagonal.LineWidth = 1.5f;
        diagonal.LinePattern = LinePattern.Dashed;

        // Bars take their colours per bar, so the legend is written by hand.
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "Accuracy", FillColor = AccuracyFill, OutlineColor = AccuracyLine, OutlineWidth = 1 });
        plot.Legend.ManualItems.Add(new LegendItem
        {
            LabelText = "Gap to mean confidence", FillColor = GapFill, FillHatch = GapHatch, FillHatchColor = GapLine, OutlineColor = GapLine, OutlineWidth = 1,
        });
        plot.Legend.ManualItems.Add(new LegendItem
        {
            LabelText = "Perfect calibration", LineColor = Colors.DimGray, LineWidth = 1.5f, LinePattern = LinePattern.Dashed,
        });

        plot.Title(title);
        plot.XLabel("Confidence");
        plot.YLabel("Accuracy");
        plot.Axes.SetLimits(0, 1, 0, 1);
        plot.ShowLegend(Alignment.UpperLeft);
        UseSansFont(plot);
    }

    private static string WithEce(string title, CalibrationMetrics metrics)
    {
        string ece = "ECE " + metrics.ExpectedCalibrationError.ToString("F3", CultureInfo.InvariantCulture);
        return string.IsNullOrWhiteSpace(title) ? ece : $"{title} — {ece}";
    }

    private static void CheckMetrics(CalibrationMetrics metrics, string argumentName)
    {
        ArgumentNullException.ThrowIfNull(metrics, argumentName);
        if (metrics.Bins is null || metrics.Bins.Count == 0)
            throw new ArgumentException("The metrics have no bins.", argumentName);
    }
}

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
public static class CalibrationPlots
{
    private static readonly Color AccuracyFill = Color.FromHex("#4C72B0");
    private static readonly Color AccuracyLine = Color.FromHex("#2B4570");
    private static readonly Color GapFill = Colors.Red.WithAlpha(0.25);
    private static readonly IHatch GapHatch = new ScottPlot.Hatches.Striped(ScottPlot.Hatches.StripeDirection.DiagonalUp);
    private static readonly Color GapLine = Colors.Red.WithAlpha(0.8);

    /// <summary>A sans-serif family that is installed, or null to keep ScottPlot's default (serif on a bare Linux).</summary>
    private static readonly Lazy<string?> SansFont = new(() =>
    {
        string[] installed = SKFontManager.Default.FontFamilies.ToArray();
        string[] preferred = ["Segoe UI", "Helvetica", "Arial", "DejaVu Sans", "Liberation Sans", "Noto Sans", "Open Sans"];
        return preferred.FirstOrDefault(name => installed.Contains(name, StringComparer.OrdinalIgnoreCase));
    });

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

    /// <summary>Renders the multiplot below a strip holding <paramref name="title"/> and writes the PNG.</summary>
    private static void RenderWithHeader(Multiplot multiplot, string title, int width, int height, string path)
    {
        int headerHeight = height > 120 && !string.IsNullOrWhiteSpace(title) ? 44 : 0;
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var surface = SKSurface.Create(info)
            ?? throw new InvalidOperationException($"SkiaSharp could not create a {width}×{height} surface.");
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        // The multiplot lays its panels out from its rectangle's size only, so move the origin below the header.
        canvas.Save();
        canvas.Translate(0, headerHeight);
        multiplot.Render(canvas, new PixelRect(0, width, height - headerHeight, 0));
        canvas.Restore();
        if (headerHeight > 0)
        {
            var header = new LabelStyle { Text = title, FontSize = 20, Bold = true, ForeColor = Colors.Black, Alignment = Alignment.MiddleCenter };
            if (SansFont.Value is string font)
                header.FontName = font;
            using var paint = Paint.NewDisposablePaint();
            header.Render(canvas, new Pixel(width / 2f, headerHeight / 2f + 4), paint, bottom: false);
        }
        using var image = surface.Snapshot();
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        PrepareDirectory(path);
        using var file = File.Create(path);
        png.SaveTo(file);
    }

    /// <summary>
    /// Saves training curves: the training loss and (when reported) the validation log-loss per epoch on the left
    /// axis, the validation accuracy (when reported) on the right axis, with a legend.
    /// </summary>
    /// <param name="history">The progress reports, one per epoch (e.g. collected from
    /// <c>SoftTargetCrossEntropyTrainer.Options.Progress</c>); at least one. Non-finite values are left out.</param>
    /// <param name="path">The PNG file to write.</param>
    /// <param name="title">The picture's title.</param>
    /// <param name="width">Width in pixels (&gt; 0).</param>
    /// <param name="height">Height in pixels (&gt; 0).</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="history"/> is empty or holds a null report, or
    /// <paramref name="path"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="width"/> or <paramref name="height"/> is not positive.</exception>
    public static void SaveTrainingCurves(IReadOnlyList<TrainingProgress> history, string path, string title, int width = 800, int height = 600)
    {
        ArgumentNullException.ThrowIfNull(history);
        if (history.Count == 0)
            throw new ArgumentException("Give at least one epoch.", nameof(history));
        if (history.Any(p => p is null))
            throw new ArgumentException("The history holds a null report.", nameof(history));
        CheckOutput(path, title, width, height);

        using var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();

        var training = Series(history, p => p.TrainingLoss);
        if (training.X.Length > 0)
        {
            var line = plot.Add.Scatter(training.X, training.Y, palette.GetColor(0));
            line.LegendText = "Training loss";
            line.LineWidth = 2;
            line.MarkerSize = 6;
        }

        var validationLoss = Series(history, p => p.ValidationLogLoss);
        if (validationLoss.X.Length > 0)
        {
            var line = plot.Add.Scatter(validationLoss.X, validationLoss.Y, palette.GetColor(1));
            line.LegendText = "Validation log-loss";
            line.LineWidth = 2;
            line.MarkerSize = 6;
        }

        var validationAccuracy = Series(history, p => p.ValidationAccuracy);
        if (validationAccuracy.X.Length > 0)
        {
            var line = plot.Add.Scatter(validationAccuracy.X, validationAccuracy.Y, palette.GetColor(2));
            line.LegendText = "Validation accuracy (right axis)";
            line.LineWidth = 2;
            line.MarkerSize = 6;
            line.MarkerShape = MarkerShape.FilledSquare;
            line.Axes.YAxis = plot.Axes.Right;
            plot.Axes.Right.Label.Text = "Validation accuracy";
            // Accuracy lives in [0, 1]: a little room around the data, never beyond (autoscaling one point would not know).
            double lo = validationAccuracy.Y.Min(), hi = validationAccuracy.Y.Max();
            double pad = 0.1 * Math.Max(hi - lo, 0.05);
            plot.Axes.SetLimitsY(Math.Max(0, lo - pad), Math.Min(1, hi + pad), plot.Axes.Right);
        }

        plot.Title(title);
        plot.XLabel("Epoch");
        plot.YLabel("Loss");
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.ShowLegend(Edge.Bottom);
        UseSansFont(plot);
        Save(plot, path, width, height);
    }

    /// <summary>
    /// Saves the template-plane picture of Müller et al. (2019, figure 1): the projected examples as points coloured by
    /// their class, and the class templates as large black markers labelled with their class names, with equal scaling
    /// of both axes.
    /// </summary>
    /// <param name="projection">The projection (e.g. from <c>ProjectOnTemplatePlane</c>): one template per class name, at
    /// least one point, each point's class an index into <see cref="TemplatePlaneProjection.ClassNames"/>.</param>
    /// <param name="path">The PNG file to write.</param>
    /// <param name="title">The picture's title.</param>
    /// <param name="width">Width in pixels (&gt; 0).</param>
    /// <param name="height">Height in pixels (&gt; 0).</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="projection"/> has no points, no classes, a template count that
    /// differs from the class count, or a point whose class is out of range; or <paramref name="path"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="width"/> or <paramref name="height"/> is not positive.</exception>
    public static void SaveTemplatePlane(TemplatePlaneProjection projection, string path, string title, int width = 700, int height = 700)
    {
        ArgumentNullException.ThrowIfNull(projection);
        var names = projection.ClassNames;
        var templates = projection.Templates;
        var points = projection.Points;
        if (names is null || names.Count == 0)
            throw new ArgumentException("The projection has no classes.", nameof(projection));
        if (templates is null || templates.Count != names.Count)
            throw new ArgumentException($"The projection has {templates?.Count ?? 0} templates for {names.Count} classes.", nameof(projection));
        if (points is null || points.Count == 0)
            throw new ArgumentException("The projection has no points.", nameof(projection));
        foreach (var point in points)
        {
            if (point.Class < 0 || point.Class >= names.Count)
                throw new ArgumentException($"A point's class {point.Class} is not an index below {names.Count}.", nameof(projection));
        }
        CheckOutput(path, title, width, height);

        using var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        for (int c = 0; c < names.Count; c++)
        {
            var xs = new List<double>();
            var ys = new List<double>();
            foreach (var (x, y, cls) in points)
            {
                if (cls == c && double.IsFinite(x) && double.IsFinite(y))
                {
                    xs.Add(x);
                    ys.Add(y);
                }
            }
            if (xs.Count == 0)
                continue;
            var scatter = plot.Add.ScatterPoints(xs, ys, palette.GetColor(c).WithAlpha(0.6));
            scatter.MarkerSize = 5;
            scatter.LegendText = names[c];
        }

        var templateX = templates.Select(t => t.X).ToArray();
        var templateY = templates.Select(t => t.Y).ToArray();
        var markers = plot.Add.Markers(templateX, templateY, MarkerShape.FilledCircle, 14, Colors.Black);
        markers.MarkerLineColor = Colors.White;
        markers.MarkerLineWidth = 1.5f;
        markers.LegendText = "Class templates";
        for (int c = 0; c < names.Count; c++)
        {
            if (!double.IsFinite(templateX[c]) || !double.IsFinite(templateY[c]))
                continue;
            var label = plot.Add.Text(names[c], templateX[c], templateY[c]);
            label.LabelFontSize = 14;
            label.LabelBold = true;
            label.LabelFontColor = Colors.Black;
            if (SansFont.Value is string font)
                label.LabelFontName = font;
            label.LabelBackgroundColor = Colors.White.WithAlpha(0.8);
            label.LabelBorderColor = Colors.Black;
            label.LabelBorderWidth = 1;
            label.LabelPadding = 3;
            label.LabelAlignment = Alignment.LowerLeft;
            label.OffsetX = 9;
            label.OffsetY = -9;
        }

        plot.Title(title);
        string along = names.Count >= 2 ? $" (along {names[0]} → {names[1]} template)" : "";
        plot.XLabel($"Template plane, axis 1{along}");
        plot.YLabel("Template plane, axis 2");
        // Room on the right and at the top for the template labels, which are drawn up and to the right of their
        // markers; the legend goes below the plot so it never covers a label.
        plot.Axes.Margins(left: 0.06, right: 0.25, bottom: 0.06, top: 0.15);
        plot.Axes.SquareUnits();
        plot.ShowLegend(Edge.Bottom);
        UseSansFont(plot);
        Save(plot, path, width, height);
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

    private static (double[] X, double[] Y) Series(IReadOnlyList<TrainingProgress> history, Func<TrainingProgress, double?> value)
    {
        var xs = new List<double>();
        var ys = new List<double>();
        foreach (var p in history)
        {
            if (value(p) is double v && double.IsFinite(v))
            {
                xs.Add(p.Epoch);
                ys.Add(v);
            }
        }
        return (xs.ToArray(), ys.ToArray());
    }

    private static void CheckMetrics(CalibrationMetrics metrics, string argumentName)
    {
        ArgumentNullException.ThrowIfNull(metrics, argumentName);
        if (metrics.Bins is null || metrics.Bins.Count == 0)
            throw new ArgumentException("The metrics have no bins.", argumentName);
    }

    private static void CheckOutput(string path, string title, int width, int height, string widthName = "width")
    {
        ArgumentNullException.ThrowIfNull(path);
        if (string.IsNullOrWhiteSpace(path))
            throw new ArgumentException("The path is empty.", nameof(path));
        ArgumentNullException.ThrowIfNull(title);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width, widthName);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height, nameof(height));
    }

    private static void PrepareDirectory(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
            Directory.CreateDirectory(directory);
    }

    private static void UseSansFont(Plot plot)
    {
        if (SansFont.Value is not string font)
            return;
        // By name rather than plot.Font.Set, which pins a regular typeface and loses ScottPlot's bold title and labels.
        plot.Axes.Title.Label.FontName = font;
        foreach (var axis in plot.Axes.GetAxes())
        {
            axis.Label.FontName = font;
            axis.TickLabelStyle.FontName = font;
        }
        plot.Legend.FontName = font;
    }

    private static void Save(Plot plot, string path, int width, int height)
    {
        PrepareDirectory(path);
        plot.SavePng(path, width, height);
    }
}

using System.Globalization;
using ScottPlot;
using SkiaSharp;

namespace MLNet.SoftTargets.Plots;

public static partial class CalibrationPlots
{
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
}

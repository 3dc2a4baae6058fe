using System.Globalization;
using ScottPlot;
using SkiaSharp;

namespace MLNet.SoftTargets.Plots;

public static partial class CalibrationPlots
{
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
}

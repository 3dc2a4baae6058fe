using System.Globalization;
using ScottPlot;
using SkiaSharp;

namespace MLNet.SoftTargets.Plots;

public static partial class CalibrationPlots
{
    /// <summary>A sans-serif family that is installed, or null to keep ScottPlot's default (serif on a bare Linux).</summary>
    private static readonly Lazy<string?> SansFont = new(() =>
    {
        string[] installed = SKFontManager.Default.FontFamilies.ToArray();
        string[] preferred = ["Segoe UI", "Helvetica", "Arial", "DejaVu Sans", "Liberation Sans", "Noto Sans", "Open Sans"];
        return preferred.FirstOrDefault(name => installed.Contains(name, StringComparer.OrdinalIgnoreCase));
    });

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

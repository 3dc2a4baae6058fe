using System.Globalization;
using System.IO.Compression;
using System.Reflection;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets.Datasets;

/// <summary>One image of the UCI handwritten digits: 8×8 pixels (0..16) and its class as text.</summary>
public sealed class DigitRow
{
    /// <summary>Fixed size so ML.NET types the column <c>Vector&lt;Single, 64&gt;</c>, not a variable-length vector.</summary>
    [VectorType(DigitsDataset.PixelCount)]
    public float[] Features { get; set; } = [];

    /// <summary>Kept as text ("0".."9") so MapValueToKey can give the key column its class names.</summary>
    public string Digit { get; set; } = "";
}

/// <summary>
/// Reads data/digits.csv.gz (embedded in the assembly that links this file): one image per line, 64 pixel values then the
/// class 0..9, comma-separated, no header. A hand-written parser because the format is fixed and tiny,
/// and a bad row should fail loudly with its line number rather than be skipped or read as missing.
/// </summary>
public static class DigitsDataset
{
    public const int PixelCount = 64;
    public const int ClassCount = 10;
    private const string ResourceName = "digits.csv.gz";

    /// <summary>The class names "0".."9" in key order.</summary>
    public static string[] ClassNames { get; } =
        Enumerable.Range(0, ClassCount).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();

    /// <summary>Reads the copy embedded at build time.</summary>
    /// <exception cref="InvalidDataException">The resource is missing or a row is malformed.</exception>
    public static List<DigitRow> LoadEmbedded()
    {
        using var gz = Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourceName)
            ?? throw new InvalidDataException($"Embedded resource '{ResourceName}' not found; was the app built from the repository?");
        return Read(gz, ResourceName);
    }

    /// <summary>Reads gzip-compressed CSV from <paramref name="compressed"/>; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">A row is malformed (the message names the line).</exception>
    public static List<DigitRow> Read(Stream compressed, string source)
    {
        using var reader = new StreamReader(new GZipStream(compressed, CompressionMode.Decompress));
        var rows = new List<DigitRow>();
        int lineNumber = 0;
        for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            lineNumber++;
            if (line.Length == 0)
                continue;
            rows.Add(ParseLine(line, lineNumber, source));
        }
        if (rows.Count == 0)
            throw new InvalidDataException($"{source}: no rows.");
        return rows;
    }

    private static DigitRow ParseLine(string line, int lineNumber, string source)
    {
        string[] fields = line.Split(',');
        if (fields.Length != PixelCount + 1)
            throw Bad($"expected {PixelCount + 1} comma-separated values, found {fields.Length}");

        var pixels = new float[PixelCount];
        for (int i = 0; i < PixelCount; i++)
        {
            if (!float.TryParse(fields[i], NumberStyles.Float, CultureInfo.InvariantCulture, out float v) || !(v >= 0 && v <= 16))
                throw Bad($"pixel {i + 1} is '{fields[i]}', expected a number in 0..16");
            pixels[i] = v;
        }

        string label = fields[PixelCount].Trim();
        if (!int.TryParse(label, NumberStyles.None, CultureInfo.InvariantCulture, out int digit) || digit >= ClassCount)
            throw Bad($"label is '{fields[PixelCount]}', expected an integer in 0..{ClassCount - 1}");

        return new DigitRow { Features = pixels, Digit = ClassNames[digit] };

        InvalidDataException Bad(string why) => new($"{source}, line {lineNumber}: {why}.");
    }
}

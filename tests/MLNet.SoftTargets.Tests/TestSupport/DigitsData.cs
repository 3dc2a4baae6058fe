using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.SoftTargets.Datasets;

namespace MLNet.SoftTargets.Tests.TestSupport;

/// <summary>The shipped UCI digits as ML.NET views for the trainer tests: Features (pixels / 16), Label (key "0".."9").</summary>
internal static class DigitsData
{
    private static readonly Lazy<List<DigitRow>> Rows = new(DigitsDataset.LoadEmbedded);

    /// <summary>Rows [0, 1400) for training and [1400, 1797) for testing, as keyed views.</summary>
    public static (IDataView Train, IDataView Test) Split(MLContext ml)
    {
        var all = Rows.Value.Select(r => new DigitRow { Features = r.Features.Select(v => v / 16f).ToArray(), Digit = r.Digit }).ToList();
        return (Keyed(ml, all.Take(1400)), Keyed(ml, all.Skip(1400)));
    }

    public static IDataView Keyed(MLContext ml, IEnumerable<DigitRow> rows) => KeyDigits(ml, ml.Data.LoadFromEnumerable(rows.ToList()));

    /// <summary>Adds the key column Label from the text column Digit, with the class names "0".."9" in that order.</summary>
    public static IDataView KeyDigits(MLContext ml, IDataView data)
    {
        var classes = ml.Data.LoadFromEnumerable(DigitsDataset.ClassNames.Select(n => new TestData.NameRow { Name = n }));
        var keyData = ml.Transforms.CopyColumns(nameof(DigitRow.Digit), nameof(TestData.NameRow.Name)).Fit(classes).Transform(classes);
        return ml.Transforms.Conversion.MapValueToKey("Label", nameof(DigitRow.Digit), keyData: ml.Transforms.SelectColumns(nameof(DigitRow.Digit)).Fit(keyData).Transform(keyData))
            .Fit(data).Transform(data);
    }

    /// <summary>Adds a SoftTarget column: <c>SmoothLabels(alpha, Uniform)</c>.</summary>
    public static IDataView Smoothed(MLContext ml, IDataView data, double alpha) =>
        ml.Transforms.SmoothLabels(alpha, kind: LabelSmoothingKind.Uniform).Fit(data).Transform(data);

    public static float[][] Scores(IDataView scored) =>
        scored.GetColumn<VBuffer<float>>(scored.Schema["Score"]).Select(v => v.DenseValues().ToArray()).ToArray();
}

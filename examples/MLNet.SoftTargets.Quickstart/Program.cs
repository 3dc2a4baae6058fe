using MLNet.SoftTargets.Datasets;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets.Quickstart;

/// <summary>
/// Shows what each soft-target transform writes for the first few digits: the hard label, its one-hot
/// row, the three label-smoothing conventions at α = 0.1, and a smoothed vector sharpened / softened by temperature.
/// </summary>
public static class Program
{
    private const string Usage = "usage: dotnet run --project examples/MLNet.SoftTargets.Quickstart [-- --rows N]";

    public static int Main(string[] args)
    {
        if (!TryParseArgs(args, out int rowsToShow, out bool help, out string? error))
        {
            Console.Error.WriteLine($"error: {error}");
            Console.Error.WriteLine(Usage);
            return 2;
        }
        if (help)
        {
            Console.WriteLine(Usage);
            Console.WriteLine("  --rows N   how many rows of the digits data set to show (default 5)");
            return 0;
        }

        List<DigitRow> rows;
        try
        {
            rows = DigitsDataset.LoadEmbedded();
        }
        catch (InvalidDataException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
        if (rowsToShow > rows.Count)
        {
            Console.Error.WriteLine($"error: --rows {rowsToShow} is more than the {rows.Count} rows in the data set.");
            return 2;
        }

        var ml = new MLContext(seed: 1);
        IDataView data = ml.Data.LoadFromEnumerable(rows);

        // Giving MapValueToKey the class list fixes key order to "0".."9"; otherwise it would follow
        // first appearance in the data, and the slots of every soft target would be permuted.
        IDataView classNames = ml.Data.LoadFromEnumerable(DigitsDataset.ClassNames.Select(n => new ClassName { Digit = n }));

        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", nameof(DigitRow.Digit), keyData: classNames)
            // On a key the temperature does not matter: a key is the T → 0 limit, so any T gives its one-hot row.
            .Append(ml.Transforms.SharpenLabels(1.0, "OneHot", "Label"))
            .Append(ml.Transforms.SmoothLabels(0.1, "OffTarget", "Label", LabelSmoothingKind.OffTarget))
            .Append(ml.Transforms.SmoothLabels(0.1, "Uniform", "Label", LabelSmoothingKind.Uniform))
            .Append(ml.Transforms.SmoothLabels(0.1, "ClassPrior", "Label", LabelSmoothingKind.ClassPrior))
            // A vector input stands in for a model's predicted probabilities, e.g. a teacher's scores.
            .Append(ml.Transforms.SharpenLabels(0.5, "SharpenedT05", "Uniform"))
            .Append(ml.Transforms.SharpenLabels(2.0, "SoftenedT2", "Uniform"));

        // Fit over all rows, not just the shown ones: ClassPrior counts its prior here.
        var model = pipeline.Fit(data);
        IReadOnlyList<double> prior = model.OfType<SmoothLabelsTransformer>()
            .Single(t => t.Kind == LabelSmoothingKind.ClassPrior).ClassPrior!;

        IDataView shown = ml.Data.TakeRows(model.Transform(data), rowsToShow);

        Console.WriteLine($"UCI handwritten digits: {rows.Count} rows, 10 classes");
        Console.WriteLine($"  Features   {shown.Schema["Features"].Type}");
        Console.WriteLine($"  Label      {shown.Schema["Label"].Type}  (MapValueToKey over \"0\"..\"9\")");
        Console.WriteLine($"  targets    {shown.Schema["OneHot"].Type}, slot names = class names");
        Console.WriteLine();

        var table = new TargetTable(SlotNames(shown.Schema["OneHot"]));
        table.WriteHeader();
        table.WriteRow("", "class prior (fitted)", prior.Select(p => (float)p).ToArray());
        table.WriteRule();

        string[] digits = shown.GetColumn<string>(nameof(DigitRow.Digit)).ToArray();
        (string Title, string Column)[] targets =
        [
            ("one-hot (SharpenLabels)", "OneHot"),
            ("Smooth 0.1 OffTarget", "OffTarget"),
            ("Smooth 0.1 Uniform", "Uniform"),
            ("Smooth 0.1 ClassPrior", "ClassPrior"),
            ("Uniform -> Sharpen T=0.5", "SharpenedT05"),
            ("Uniform -> Sharpen T=2.0", "SoftenedT2"),
        ];
        float[][][] values = targets.Select(t => Dense(shown, t.Column)).ToArray();
        for (int r = 0; r < digits.Length; r++)
        {
            for (int t = 0; t < targets.Length; t++)
                table.WriteRow(t == 0 ? $"{r,3}  {digits[r],5}" : "", targets[t].Title, values[t][r]);
            if (r < digits.Length - 1)
                Console.WriteLine();
        }
        return 0;
    }

    private static bool TryParseArgs(string[] args, out int rows, out bool help, out string? error)
    {
        rows = 5;
        help = false;
        error = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "-h" or "--help":
                    help = true;
                    break;
                case "--rows":
                    if (i + 1 >= args.Length)
                    {
                        error = "--rows needs a value.";
                        return false;
                    }
                    string value = args[++i];
                    if (!int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out rows) || rows < 1)
                    {
                        error = $"--rows expects a whole number >= 1, got '{value}'.";
                        return false;
                    }
                    break;
                default:
                    error = $"unknown argument '{args[i]}'.";
                    return false;
            }
        }
        return true;
    }

    private static float[][] Dense(IDataView data, string column) =>
        data.GetColumn<VBuffer<float>>(column).Select(v => v.DenseValues().ToArray()).ToArray();

    private static string[] SlotNames(DataViewSchema.Column column)
    {
        var names = default(VBuffer<ReadOnlyMemory<char>>);
        column.GetSlotNames(ref names);
        return names.DenseValues().Select(n => n.ToString()).ToArray();
    }

    /// <summary>The single-column view MapValueToKey reads its class list from.</summary>
    private sealed class ClassName
    {
        public string Digit { get; set; } = "";
    }
}

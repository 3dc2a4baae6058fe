using System.Globalization;
using MLNet.SoftTargets.Datasets;

namespace MLNet.SoftTargets.DefaultsBenchmark;

/// <summary>One example: its features and its class name (the contestants' <c>MapValueToKey("Label")</c> input).</summary>
public sealed class LabelledRow
{
    /// <summary>The feature values, as the source holds them (Fashion-MNIST: pixels / 255).</summary>
    public float[] Features { get; set; } = [];

    /// <summary>The class name.</summary>
    public string Label { get; set; } = "";
}

/// <summary>One dataset of the benchmark, already split.</summary>
/// <param name="Key">The <c>--datasets</c> key.</param>
/// <param name="Name">The name in the report.</param>
/// <param name="Split">How train and test rows were chosen, for the report.</param>
/// <param name="FeatureCount">D, the length of every <see cref="LabelledRow.Features"/>.</param>
/// <param name="ClassCount">K, the number of classes of the whole dataset.</param>
/// <param name="Train">The training rows.</param>
/// <param name="Test">The test rows.</param>
public sealed record BenchmarkDataset(string Key, string Name, string Split, int FeatureCount, int ClassCount,
    IReadOnlyList<LabelledRow> Train, IReadOnlyList<LabelledRow> Test);

/// <summary>
/// The benchmark's datasets: scikit-learn's iris, wine and breast cancer CSVs (from the Debian package
/// <c>python3-sklearn</c>, fetched by <c>get-sklearn-data.sh</c>), the UCI digits embedded from <c>data/</c>, and the
/// first 500, 5,000 and 55,000 Fashion-MNIST training rows tested on its 10,000 test rows.
/// </summary>
public static class BenchmarkDatasets
{
    /// <summary>The share of the rows that trains when a dataset has no test set of its own.</summary>
    public const double TrainShare = 0.7;

    /// <summary>The folder <c>get-sklearn-data.sh</c> fills when it is given none.</summary>
    public static string DefaultSklearnDirectory { get; } = Path.Combine(
        Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } cache ? cache
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"),
        "mlnet-softtargets", "python3-sklearn");

    /// <summary>The dataset keys in report order (by training rows).</summary>
    public static IReadOnlyList<string> Keys { get; } =
        ["iris", "wine", "breast-cancer", "fashion-500", "digits", "fashion-5000", "fashion-55000"];

    /// <summary>The keys whose rows come from <c>python3-sklearn</c>, with their file names.</summary>
    private static readonly Dictionary<string, (string File, string Name)> SklearnFiles = new()
    {
        ["iris"] = ("iris.csv", "iris (scikit-learn)"),
        ["wine"] = ("wine_data.csv", "wine (scikit-learn)"),
        ["breast-cancer"] = ("breast_cancer.csv", "breast cancer (scikit-learn)"),
    };

    /// <summary>Whether <paramref name="key"/> is a scikit-learn dataset (it needs <c>get-sklearn-data.sh</c>).</summary>
    public static bool IsSklearn(string key) => SklearnFiles.ContainsKey(key);

    /// <summary>Whether <paramref name="key"/> is a Fashion-MNIST subset.</summary>
    public static bool IsFashionMnist(string key) => key.StartsWith("fashion-", StringComparison.Ordinal);

    /// <summary>
    /// Loads the datasets of <paramref name="keys"/> in report order: the scikit-learn CSVs from
    /// <paramref name="sklearnDirectory"/>, Fashion-MNIST from <paramref name="fashionDirectory"/> (read once for all
    /// subsets); the 70/30 splits shuffle with <paramref name="seed"/>.
    /// </summary>
    /// <exception cref="FileNotFoundException">A file is missing (the message says how to get it).</exception>
    /// <exception cref="InvalidDataException">A file is malformed (the message names it and the line).</exception>
    public static IReadOnlyList<BenchmarkDataset> Load(IEnumerable<string> keys, string sklearnDirectory, string fashionDirectory, int seed)
    {
        var wanted = keys.ToHashSet();
        (ImageSet Train, List<LabelledRow> Test)? fashion = null;
        var result = new List<BenchmarkDataset>();
        foreach (string key in Keys.Where(wanted.Contains))
        {
            if (SklearnFiles.TryGetValue(key, out var file))
            {
                var (rows, classes, features) = ReadSklearnCsv(Path.Combine(sklearnDirectory, file.File));
                result.Add(SplitSeeded(key, file.Name, rows, features, classes, seed));
            }
            else if (key == "digits")
            {
                var rows = DigitsDataset.LoadEmbedded().Select(r => new LabelledRow { Features = r.Features, Label = r.Digit }).ToList();
                result.Add(SplitSeeded(key, "UCI digits (data/digits.csv.gz)", rows, DigitsDataset.PixelCount, DigitsDataset.ClassCount, seed));
            }
            else
            {
                int trainRows = int.Parse(key["fashion-".Length..], CultureInfo.InvariantCulture);
                if (fashion is null)
                {
                    var (train, test) = FashionMnist.Load(fashionDirectory);
                    fashion = (train, Rows(test, test.Rows));
                }
                var (images, testRows) = fashion.Value;
                result.Add(new BenchmarkDataset(key, $"Fashion-MNIST {trainRows:N0}",
                    $"train rows 0..{trainRows - 1:N0} of the train set; the {testRows.Count:N0} test rows; pixels / 255",
                    FashionMnist.PixelCount, FashionMnist.ClassCount, Rows(images, trainRows), testRows));
            }
        }
        return result;
    }

    /// <summary>
    /// Shuffles <paramref name="rows"/> with <paramref name="seed"/> and trains on the first
    /// <see cref="TrainShare"/> of them (rounded), testing on the rest.
    /// </summary>
    private static BenchmarkDataset SplitSeeded(string key, string name, IReadOnlyList<LabelledRow> rows, int features, int classes, int seed)
    {
        var order = Enumerable.Range(0, rows.Count).ToArray();
        new Random(seed).Shuffle(order);
        int train = (int)Math.Round(rows.Count * TrainShare);
        return new BenchmarkDataset(key, name, $"seeded {TrainShare * 100:F0}/{(1 - TrainShare) * 100:F0} split of {rows.Count:N0} rows (seed {seed})",
            features, classes, [.. order.Take(train).Select(i => rows[i])], [.. order.Skip(train).Select(i => rows[i])]);
    }

    /// <summary>The first <paramref name="count"/> images of <paramref name="set"/> as rows labelled with their class names.</summary>
    private static List<LabelledRow> Rows(ImageSet set, int count)
    {
        if (count > set.Rows)
            throw new InvalidDataException($"Fashion-MNIST has {set.Rows:N0} rows; {count:N0} asked for.");
        return [.. Enumerable.Range(0, count).Select(r => new LabelledRow { Features = set.Image(r), Label = FashionMnist.ClassNames[set.Labels[r]] })];
    }

    /// <summary>
    /// Reads one of scikit-learn's bundled classification CSVs: a header <c>n_samples,n_features,class names…</c>, then
    /// one row per sample, <c>n_features</c> numbers and the class index 0..K−1; no quoting.
    /// </summary>
    private static (List<LabelledRow> Rows, int Classes, int Features) ReadSklearnCsv(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path} not found: run benchmarks/MLNet.SoftTargets.Defaults/get-sklearn-data.sh " +
                                            "(or point --sklearn-data at the folder it filled).", path);
        using var reader = new StreamReader(path);
        string[] header = (reader.ReadLine() ?? "").Split(',');
        if (header.Length < 4 || !int.TryParse(header[0], NumberStyles.None, CultureInfo.InvariantCulture, out int samples)
            || !int.TryParse(header[1], NumberStyles.None, CultureInfo.InvariantCulture, out int features) || samples < 1 || features < 1)
            throw new InvalidDataException($"{path}, line 1: expected 'n_samples,n_features,class names…'.");
        string[] classes = header[2..];
        var rows = new List<LabelledRow>(samples);
        int lineNumber = 1;
        for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            lineNumber++;
            if (line.Length == 0)
                continue;
            string[] fields = line.Split(',');
            if (fields.Length != features + 1)
                throw new InvalidDataException($"{path}, line {lineNumber}: {fields.Length} values, expected {features + 1}.");
            var x = new float[features];
            for (int j = 0; j < features; j++)
            {
                if (!float.TryParse(fields[j], NumberStyles.Float, CultureInfo.InvariantCulture, out x[j]) || !float.IsFinite(x[j]))
                    throw new InvalidDataException($"{path}, line {lineNumber}: feature {j + 1} is '{fields[j]}', not a finite number.");
            }
            if (!int.TryParse(fields[features], NumberStyles.None, CultureInfo.InvariantCulture, out int label) || label >= classes.Length)
                throw new InvalidDataException($"{path}, line {lineNumber}: class '{fields[features]}' is not in 0..{classes.Length - 1}.");
            rows.Add(new LabelledRow { Features = x, Label = classes[label] });
        }
        if (rows.Count != samples)
            throw new InvalidDataException($"{path}: {rows.Count} rows, the header says {samples}.");
        return (rows, classes.Length, features);
    }
}

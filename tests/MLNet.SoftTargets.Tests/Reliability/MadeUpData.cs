using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets.Tests.Reliability;

/// <summary>
/// Small made-up classification views for the reliability tests: a text column <c>Name</c>, a key column
/// <c>Label</c> over given class names (made from <c>Name</c>), <c>Features</c> (<c>Vector&lt;Single, D&gt;</c>) and
/// <c>SoftTarget</c> (<c>Vector&lt;Single, S&gt;</c>), with D and S chosen per view.
/// </summary>
internal static class MadeUpData
{
    public static readonly string[] Abc = ["a", "b", "c"];

    /// <summary>A fixed-epoch Adam run: explicit Epochs, BatchSize and LearningRate, CPU, one thread.</summary>
    public static readonly SoftTargetCrossEntropyTrainer.Options Adam = new()
    {
        Epochs = 2, BatchSize = 8, LearningRate = 0.01, Device = TrainingDevice.Cpu, Threads = 1,
    };

    /// <summary>No training argument: full-batch L-BFGS with λ chosen on a regularisation path.</summary>
    public static readonly SoftTargetCrossEntropyTrainer.Options Defaults = new() { Device = TrainingDevice.Cpu, Threads = 1 };

    /// <summary>The options of a named training path: "defaults", "adam" (streaming) or "cached" (Adam, data in memory).</summary>
    public static SoftTargetCrossEntropyTrainer.Options Path(string path) => path switch
    {
        "defaults" => Defaults,
        "adam" => Adam,
        "cached" => Adam with { CacheData = true },
        _ => throw new ArgumentOutOfRangeException(nameof(path), path, "defaults, adam or cached"),
    };

    /// <summary>
    /// <paramref name="n"/> rows of a learnable problem: row i has class i mod K, features uniform in [0, 0.5) plus 1
    /// on every feature j with j mod K = class, and a soft target of width <paramref name="softWidth"/> (default K)
    /// with 0.9 on the class (when it fits) and the rest spread evenly, so every soft target sums to 1.
    /// </summary>
    public static Row[] Rows(int n, int d, string[] classNames, int seed = 1, int? softWidth = null)
    {
        var random = new Random(seed);
        int k = classNames.Length, s = softWidth ?? k;
        var rows = new Row[n];
        for (int i = 0; i < n; i++)
        {
            int c = i % k;
            var features = new float[d];
            for (int j = 0; j < d; j++)
                features[j] = random.NextSingle() * 0.5f + (j % k == c ? 1 : 0);
            var soft = new float[s];
            if (c < s)
            {
                Array.Fill(soft, 0.1f / (s - 1));
                soft[c] = 0.9f;
            }
            else
            {
                Array.Fill(soft, 1f / s);
            }
            rows[i] = new Row { Name = classNames[c], Features = features, SoftTarget = soft };
        }
        return rows;
    }

    /// <summary>The view of <paramref name="rows"/> with Features of width D, SoftTarget of width S and the key Label over <paramref name="classNames"/>.</summary>
    public static IDataView View(MLContext ml, string[] classNames, IReadOnlyList<Row> rows, int? d = null, int? s = null)
    {
        var definition = SchemaDefinition.Create(typeof(Row));
        definition[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, d ?? rows[0].Features.Length);
        definition[nameof(Row.SoftTarget)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, s ?? rows[0].SoftTarget.Length);
        var view = ml.Data.LoadFromEnumerable(rows, definition);
        var keyData = ml.Data.LoadFromEnumerable(classNames.Select(n => new TestData.NameRow { Name = n }));
        return ml.Transforms.Conversion.MapValueToKey("Label", nameof(Row.Name), keyData: keyData).Fit(view).Transform(view);
    }

    /// <summary>True when <paramref name="message"/> contains <paramref name="number"/> as a whole number (not as part of another).</summary>
    public static bool ContainsNumber(string message, long number) =>
        System.Text.RegularExpressions.Regex.IsMatch(message, $@"(?<![\d.]){number}(?![\d])");

    public sealed class Row
    {
        public string Name { get; set; } = "";

        public float[] Features { get; set; } = [];

        public float[] SoftTarget { get; set; } = [];
    }
}

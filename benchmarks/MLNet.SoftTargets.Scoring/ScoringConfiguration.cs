namespace MLNet.SoftTargets.ScoringBenchmark;

/// <summary>One model shape to score: D features, K classes, and an optional hidden layer (null: a linear head).</summary>
/// <param name="Features">D, the input width.</param>
/// <param name="Classes">K, the number of classes.</param>
/// <param name="Hidden">The hidden layer's width (ReLU), or null for a linear head.</param>
internal sealed record ScoringConfiguration(int Features, int Classes, int? Hidden)
{
    /// <summary>The widths D of the grid.</summary>
    public static readonly int[] FeatureCounts = [64, 300, 784];

    /// <summary>The class counts K of the grid.</summary>
    public static readonly int[] ClassCounts = [2, 10, 26];

    /// <summary>The hidden widths of the grid (null: linear head).</summary>
    public static readonly int?[] HiddenSizes = [null, 256];

    /// <summary>All 18 configurations, linear heads first, then by D and K.</summary>
    public static IReadOnlyList<ScoringConfiguration> All { get; } =
        [.. from h in HiddenSizes from d in FeatureCounts from k in ClassCounts select new ScoringConfiguration(d, k, h)];

    /// <summary>Whether the head is linear (no hidden layer).</summary>
    public bool IsLinear => Hidden is null;

    /// <summary>The head as the report writes it: <c>linear</c> or <c>MLP 256</c>.</summary>
    public string HeadName => Hidden is int h ? $"MLP {h}" : "linear";

    /// <summary>The configuration as the report writes it, e.g. <c>D=784 K=10 MLP 256</c>.</summary>
    public override string ToString() => $"D={Features} K={Classes} {HeadName}";

    /// <summary>
    /// The <c>--only</c> words that name this configuration, one per dimension: <c>d{D}</c>, <c>k{K}</c> and
    /// <c>linear</c> or <c>mlp</c>.
    /// </summary>
    public (string Features, string Classes, string Head) Words => ($"d{Features}", $"k{Classes}", IsLinear ? "linear" : "mlp");

    /// <summary>Every <c>--only</c> word of the grid, by dimension.</summary>
    public static IReadOnlyList<IReadOnlySet<string>> Dimensions { get; } =
    [
        FeatureCounts.Select(d => $"d{d}").ToHashSet(),
        ClassCounts.Select(k => $"k{k}").ToHashSet(),
        new HashSet<string> { "linear", "mlp" },
    ];
}

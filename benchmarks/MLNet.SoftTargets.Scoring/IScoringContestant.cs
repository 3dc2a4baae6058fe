namespace MLNet.SoftTargets.ScoringBenchmark;

/// <summary>The <c>--only</c> keys of the contestants.</summary>
internal static class ContestantKeys
{
    /// <summary>Ours in memory: the model <c>Fit</c> returns (always runs; the reference of the score checks).</summary>
    public const string InMemory = "ours";

    /// <summary>Ours after <c>Model.Save</c> and <c>LoadWithFastScoring</c>.</summary>
    public const string FastLoaded = "fast";

    /// <summary>Ours after <c>Model.Save</c> and a stock <c>Model.Load</c> (<c>ApplyOnnxModel</c>, one ONNX Runtime call a row).</summary>
    public const string StockLoaded = "stock";

    /// <summary>ML.NET's <c>LbfgsMaximumEntropy</c> with its defaults (linear heads only).</summary>
    public const string Lbfgs = "lbfgs";

    /// <summary>TorchSharp-cpu with our trained weights (the MLP only).</summary>
    public const string TorchSharp = "torch";

    /// <summary>Our exported graph run directly by ONNX Runtime, all rows in one call (the MLP only; a diagnostic).</summary>
    public const string OnnxRuntime = "ort";

    /// <summary>The keys <c>--only</c> may leave out, in the order of the report's columns.</summary>
    public static readonly IReadOnlyList<string> Optional = [FastLoaded, StockLoaded, Lbfgs, TorchSharp, OnnxRuntime];
}

/// <summary>
/// Where a pass that is not timed writes what it scored: the probabilities row-major [N, K] and the predicted class
/// of each row (0..K-1, or -1 for a missing label).
/// </summary>
/// <param name="rows">N.</param>
/// <param name="classes">K.</param>
internal sealed class ScoreSink(int rows, int classes)
{
    /// <summary>Row-major [N, K] probabilities.</summary>
    public float[] Scores { get; } = new float[rows * classes];

    /// <summary>The predicted class of each row, -1 for a missing label.</summary>
    public int[] Labels { get; } = new int[rows];

    /// <summary>K.</summary>
    public int Classes => classes;

    /// <summary>Row <paramref name="row"/>'s K probabilities.</summary>
    public Span<float> Row(int row) => Scores.AsSpan(row * classes, classes);
}

/// <summary>One way of scoring a configuration's N rows, in a batch and (optionally) one row at a time.</summary>
internal interface IScoringContestant : IDisposable
{
    /// <summary>The <c>--only</c> key (<see cref="ContestantKeys"/>).</summary>
    string Key { get; }

    /// <summary>The column header.</summary>
    string Name { get; }

    /// <summary>Whether <see cref="ScoreRows"/> is implemented.</summary>
    bool HasRowPath { get; }

    /// <summary>Scores all N rows as one batch; writes them to <paramref name="sink"/> when one is given (not timed then).</summary>
    void ScoreBatch(ScoreSink? sink);

    /// <summary>Scores the N rows one call per row; writes them to <paramref name="sink"/> when one is given (not timed then).</summary>
    void ScoreRows(ScoreSink? sink);
}

using System.Globalization;

namespace MLNet.SoftTargets.ScoringBenchmark;

/// <summary>The markdown tables of the report: batch, PredictionEngine, spreads, score checks, targets.</summary>
internal static class ScoringReport
{
    private static readonly (string Key, string Name)[] Columns =
    [
        (ContestantKeys.InMemory, "ours in memory"),
        (ContestantKeys.FastLoaded, "fast-loaded"),
        (ContestantKeys.StockLoaded, "stock-loaded"),
        (ContestantKeys.Lbfgs, "L-BFGS"),
        (ContestantKeys.TorchSharp, "TorchSharp"),
        (ContestantKeys.OnnxRuntime, "ORT, exported graph"),
    ];

    private static readonly (string Ours, string Peer)[] Ratios =
    [
        (ContestantKeys.InMemory, ContestantKeys.Lbfgs),
        (ContestantKeys.FastLoaded, ContestantKeys.Lbfgs),
        (ContestantKeys.InMemory, ContestantKeys.TorchSharp),
        (ContestantKeys.FastLoaded, ContestantKeys.TorchSharp),
    ];

    /// <summary>The current time as <c>date -u</c> prints it in the C locale, e.g. <c>Sat Nov 28 17:50:41 UTC 2026</c>.</summary>
    public static string DateLikeDateU(DateTime utc) =>
        string.Create(CultureInfo.InvariantCulture, $"{utc:ddd MMM} {utc.Day,2} {utc:HH:mm:ss} UTC {utc:yyyy}");

    /// <summary>Writes every table for <paramref name="results"/> to <paramref name="output"/>.</summary>
    public static void Write(TextWriter output, IReadOnlyList<ConfigurationResult> results)
    {
        var columns = Columns.Where(c => results.Any(r => r[c.Key] is not null)).ToArray();
        var ratios = Ratios.Where(r => results.Any(x => x[r.Ours] is not null && x[r.Peer] is not null)).ToArray();
        int n = results[0].Rows;

        output.WriteLine($"## Batch: Transform + cursor over {n:N0} cached rows (median ms per pass · µs per row)");
        output.WriteLine();
        output.WriteLine("*input alone*: a cursor over the same cached view that only reads `Features`, the part of every ML.NET batch pass that is not scoring.");
        output.WriteLine();
        Table(output, results, columns, ratios, c => $"{c.BatchMilliseconds.Median:F2} ms · {c.BatchMilliseconds.Median * 1000 / n:F3} µs", c => c.BatchMilliseconds.Median,
            r => $"{r.InputMilliseconds.Median:F2} ms");
        output.WriteLine("## PredictionEngine: one Predict(row, ref output) a row (median µs per row; TorchSharp: one [1, D] tensor a forward)");
        output.WriteLine();
        Table(output, results, columns, ratios, c => $"{c.RowMicroseconds.Median:F2} µs", c => c.RowMicroseconds.Median, input: null);

        output.WriteLine("## Spread over the rounds: batch ms per pass, min–max (median cores used) \\| PredictionEngine µs per row, min–max (cores)");
        output.WriteLine();
        Row(output, ["configuration", .. columns.Select(c => c.Name)]);
        Row(output, ["---", .. columns.Select(_ => "---:")]);
        foreach (var result in results)
        {
            Row(output, [result.Configuration.ToString(), .. columns.Select(c => result[c.Key] is { } x
                ? $"{x.BatchMilliseconds.Min:F2}–{x.BatchMilliseconds.Max:F2} ({x.Cores.Batch:F1}) \\| {x.RowMicroseconds.Min:F2}–{x.RowMicroseconds.Max:F2} ({x.Cores.Rows:F1})"
                : "–")]);
        }
        output.WriteLine();

        output.WriteLine($"## Score checks against ours in memory's batch scores (max |Δ| batch / per row; must be ≤ {ConfigurationBench.Tolerance:0e0} but for L-BFGS)");
        output.WriteLine();
        Row(output, ["configuration", .. columns.Select(c => c.Name), "PredictedLabel ≠ ours (batch / per row)", "accuracy ours", "accuracy L-BFGS"]);
        Row(output, ["---", .. columns.Select(_ => "---:"), "---", "---:", "---:"]);
        foreach (var result in results)
        {
            var ours = result[ContestantKeys.InMemory]!;
            var mismatches = result.Contestants.Where(c => c.Checked && c.Key != ContestantKeys.InMemory)
                .Select(c => $"{c.Key} {c.LabelMismatches.Batch}/{c.LabelMismatches.Rows}")
                .Prepend($"ours PE {ours.LabelMismatches.Rows}");
            Row(output, [result.Configuration.ToString(), .. columns.Select(c => Check(result[c.Key])), string.Join("; ", mismatches),
                $"{ours.Accuracy:F4}", result[ContestantKeys.Lbfgs] is { } l ? $"{l.Accuracy:F4}" : "–"]);
        }
        output.WriteLine();
        WriteTargets(output, results);
    }

    /// <summary>One time table: a row per configuration, a column per contestant, then the ratio columns.</summary>
    private static void Table(TextWriter output, IReadOnlyList<ConfigurationResult> results, (string Key, string Name)[] columns,
        (string Ours, string Peer)[] ratios, Func<ContestantResult, string> cell, Func<ContestantResult, double> time, Func<ConfigurationResult, string>? input)
    {
        string[] first = input is null ? ["configuration"] : ["configuration", "*input alone*"];
        Row(output, [.. first, .. columns.Select(c => c.Name), .. ratios.Select(r => $"{Name(r.Ours)} / {Name(r.Peer)}")]);
        Row(output, ["---", .. Enumerable.Repeat("---:", first.Length - 1 + columns.Length + ratios.Length)]);
        foreach (var result in results)
        {
            string[] lead = input is null ? [result.Configuration.ToString()] : [result.Configuration.ToString(), input(result)];
            Row(output, [.. lead, .. columns.Select(c => result[c.Key] is { } x ? cell(x) : "–"),
                .. ratios.Select(r => Ratio(result, r, time) is double v ? $"{v:F2}×" : "–")]);
        }
        output.WriteLine();
    }

    /// <summary>Whether each target is met, with the configurations that miss it.</summary>
    private static void WriteTargets(TextWriter output, IReadOnlyList<ConfigurationResult> results)
    {
        output.WriteLine("## Targets (time ratios; ≤ 1.00× is met)");
        output.WriteLine();
        var lines = new List<string>();
        var linear = results.Where(r => r.Configuration.IsLinear).ToList();
        foreach (string ours in new[] { ContestantKeys.InMemory, ContestantKeys.FastLoaded })
        {
            foreach (var (what, time) in new (string, Func<ContestantResult, double>)[]
                     { ("batch time", c => c.BatchMilliseconds.Median), ("PredictionEngine µs/row", c => c.RowMicroseconds.Median) })
            {
                var ratios = linear.Select(r => (r.Configuration, Ratio: Ratio(r, (ours, ContestantKeys.Lbfgs), time)))
                    .Where(x => x.Ratio is not null).ToList();
                if (ratios.Count == 0)
                    continue;
                var missed = ratios.Where(x => x.Ratio > 1.0).ToList();
                lines.Add($"Linear heads, {Name(ours)} {what} ≤ 1.0× L-BFGS's: **{(missed.Count == 0 ? "met" : "not met")}** — " +
                          $"≤ 1.0× in {ratios.Count - missed.Count} of {ratios.Count} configurations (worst {ratios.Max(x => x.Ratio):F2}×)" +
                          (missed.Count == 0 ? "" : "; above: " + string.Join(", ", missed.Select(x => $"{x.Configuration} {x.Ratio:F2}×"))));
            }
        }
        var mlp = results.FirstOrDefault(r => r.Configuration is { Features: 784, Classes: 10, Hidden: 256 });
        if (mlp is not null && Ratio(mlp, (ContestantKeys.InMemory, ContestantKeys.TorchSharp), c => c.BatchMilliseconds.Median) is double v)
            lines.Add($"MLP 784→256→10, ours in memory batch ≤ 1.0× TorchSharp's batched inference: **{(v <= 1.0 ? "met" : "not met")}** ({v:F2}×)");
        if (lines.Count == 0)
            lines.Add("none applies to what ran (they need L-BFGS on a linear head, or TorchSharp on D=784 K=10 MLP 256)");
        foreach (string line in lines)
            output.WriteLine($"- {line}");
        output.WriteLine();
    }

    /// <summary>One markdown table row.</summary>
    private static void Row(TextWriter output, IEnumerable<string> cells) => output.WriteLine("| " + string.Join(" | ", cells) + " |");

    /// <summary>Ours ÷ peer time for <paramref name="ratio"/>, or null when either did not run.</summary>
    private static double? Ratio(ConfigurationResult result, (string Ours, string Peer) ratio, Func<ContestantResult, double> time) =>
        result[ratio.Ours] is { } ours && result[ratio.Peer] is { } peer ? time(ours) / time(peer) : null;

    /// <summary>The score-check cell: max |Δ| of the batch and of the row path, and FAIL when over the tolerance.</summary>
    private static string Check(ContestantResult? c) => c switch
    {
        null => "–",
        { Key: ContestantKeys.InMemory } => $"0 / {c.RowDifference:0.0e0}{(c.Passed ? "" : " **FAIL**")}",
        { Checked: false } => "(other model)",
        _ => $"{c.BatchDifference:0.0e0} / {c.RowDifference:0.0e0}{(c.Passed ? "" : " **FAIL**")}",
    };

    /// <summary>The column name of a contestant key.</summary>
    private static string Name(string key) => Columns.First(c => c.Key == key).Name;
}

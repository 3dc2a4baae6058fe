using System.Globalization;

namespace MLNet.SoftTargets.DefaultsBenchmark;

/// <summary>
/// The markdown tables of one run: the datasets, test accuracy, training time, our stop reasons, the summary and the
/// four targets, for ours with soft targets (what the targets are about) and, for information, ours on hard labels.
/// </summary>
/// <param name="Datasets">The datasets, in report order.</param>
/// <param name="Results">What each contestant achieved on each dataset; a missing pair is a failed run.</param>
/// <param name="LoadAfter">The 1-minute load average after each dataset's runs, by dataset key.</param>
internal sealed record DefaultsReport(IReadOnlyList<BenchmarkDataset> Datasets,
    IReadOnlyDictionary<(string Dataset, string Contestant), ContestResult> Results, IReadOnlyDictionary<string, string> LoadAfter)
{
    /// <summary>Target (2): no dataset's accuracy more than this below L-BFGS's.</summary>
    public const double AccuracyTolerance = 0.01;

    /// <summary>Target (4): at most this share of L-BFGS's training time on Fashion-MNIST 55,000.</summary>
    public const double TimeShare = 0.2;

    /// <summary>The dataset of target (4).</summary>
    public const string LargeDataset = "fashion-55000";

    private static readonly Contestant[] Ours = [Contestant.Ours, Contestant.OursHardLabels];

    /// <summary>Writes every section to <paramref name="output"/>.</summary>
    public void Write(TextWriter output)
    {
        var all = Contestant.All;
        output.WriteLine("## Datasets");
        output.WriteLine();
        output.WriteLine("| dataset | train rows | test rows | features | classes | split |");
        output.WriteLine("|---|---:|---:|---:|---:|---|");
        foreach (var d in Datasets)
            output.WriteLine($"| {d.Name} | {d.Train.Count:N0} | {d.Test.Count:N0} | {d.FeatureCount} | {d.ClassCount} | {d.Split} |");

        output.WriteLine();
        output.WriteLine("## Test accuracy (micro)");
        output.WriteLine();
        Table(output, "dataset", all.Select(c => c.Name), d => all.Select(c => Cell(d, c, r => F4(r.Accuracy))));

        output.WriteLine();
        output.WriteLine("## Training time (s, the pipeline's whole Fit)");
        output.WriteLine();
        Table(output, "dataset", [.. all.Select(c => c.Name), "ours / L-BFGS", "load avg (1 min) after"],
            d => [.. all.Select(c => Cell(d, c, r => r.TrainingSeconds.ToString("F2", CultureInfo.InvariantCulture))),
                  Ratio(d.Key, Contestant.Ours) is double q ? q.ToString("F3", CultureInfo.InvariantCulture) : "–", LoadAfter.GetValueOrDefault(d.Key, "–")]);

        output.WriteLine();
        output.WriteLine("## Our runs (`model.History`: the last entry's `StopReason`, `History.Count`)");
        output.WriteLine();
        Table(output, "dataset", Ours.SelectMany(c => new[] { $"{c.Name}: stop reason", "iterations" }),
            d => Ours.SelectMany(c => new[] { Cell(d, c, r => r.StopReason?.ToString() ?? "–"), Cell(d, c, r => r.Iterations?.ToString(CultureInfo.InvariantCulture) ?? "–") }));

        output.WriteLine();
        output.WriteLine("## Summary");
        output.WriteLine();
        output.WriteLine("| contestant | mean accuracy | total training s | datasets |");
        output.WriteLine("|---|---:|---:|---:|");
        foreach (var c in all)
        {
            var runs = Datasets.Select(d => Results.GetValueOrDefault((d.Key, c.Key))).OfType<ContestResult>().ToList();
            string mean = runs.Count > 0 ? F4(runs.Average(r => r.Accuracy)) : "–";
            output.WriteLine($"| {c.Name} | {mean} | {runs.Sum(r => r.TrainingSeconds):F2} | {runs.Count} of {Datasets.Count} |");
        }
        output.WriteLine();
        output.WriteLine("Accuracy differences, ours − L-BFGS:");
        output.WriteLine();
        Table(output, "dataset", Ours.Select(c => $"{c.Name} − L-BFGS"),
            d => Ours.Select(c => Difference(d.Key, c) is double x ? Signed(x) : "–"));

        output.WriteLine();
        output.WriteLine("## Targets");
        output.WriteLine();
        output.WriteLine($"| target | {string.Join(" | ", Ours.Select((c, i) => i == 0 ? $"**{c.Name}** (the target's contestant)" : $"{c.Name} (for information)"))} |");
        output.WriteLine("|---|---|---|");
        output.WriteLine($"| (1) mean accuracy ≥ L-BFGS's | {string.Join(" | ", Ours.Select(MeanAccuracyTarget))} |");
        output.WriteLine($"| (2) no dataset below L-BFGS − {AccuracyTolerance} | {string.Join(" | ", Ours.Select(WorstDatasetTarget))} |");
        output.WriteLine($"| (3) total training time ≤ L-BFGS's | {string.Join(" | ", Ours.Select(TotalTimeTarget))} |");
        output.WriteLine($"| (4) Fashion-MNIST 55,000: L-BFGS's accuracy in ≤ 1/5 of its time | {string.Join(" | ", Ours.Select(LargeDatasetTarget))} |");
    }

    /// <summary>The datasets on which both <paramref name="ours"/> and L-BFGS succeeded, with both results.</summary>
    private List<(BenchmarkDataset Dataset, ContestResult Ours, ContestResult Lbfgs)> Paired(Contestant ours) =>
        [.. Datasets.Where(d => Results.ContainsKey((d.Key, ours.Key)) && Results.ContainsKey((d.Key, Contestant.Lbfgs.Key)))
            .Select(d => (d, Results[(d.Key, ours.Key)], Results[(d.Key, Contestant.Lbfgs.Key)]))];

    /// <summary>
    /// A target over every dataset: <paramref name="judge"/> says whether <paramref name="ours"/> met it and with which
    /// numbers, given the datasets on which both it and L-BFGS succeeded.
    /// </summary>
    private string Target(Contestant ours, Func<List<(BenchmarkDataset Dataset, ContestResult Ours, ContestResult Lbfgs)>, (bool Met, string Numbers)> judge)
    {
        var paired = Paired(ours);
        if (paired.Count == 0)
            return "not evaluated: every run it needs failed";
        var (met, numbers) = judge(paired);
        string partial = paired.Count == Datasets.Count ? "" : $" (over {paired.Count} of {Datasets.Count} datasets: a run failed)";
        return $"{Verdict(met)}: {numbers}{partial}";
    }

    /// <summary>Target (1): ours' mean accuracy ≥ L-BFGS's.</summary>
    private string MeanAccuracyTarget(Contestant ours) => Target(ours, paired =>
    {
        double mine = paired.Average(p => p.Ours.Accuracy), theirs = paired.Average(p => p.Lbfgs.Accuracy);
        return (mine >= theirs, $"{F4(mine)} vs {F4(theirs)} ({Signed(mine - theirs)})");
    });

    /// <summary>Target (2): on no dataset is ours' accuracy below L-BFGS's − <see cref="AccuracyTolerance"/>.</summary>
    private string WorstDatasetTarget(Contestant ours) => Target(ours, paired =>
    {
        var below = paired.Where(p => p.Ours.Accuracy < p.Lbfgs.Accuracy - AccuracyTolerance).ToList();
        var worst = paired.MinBy(p => p.Ours.Accuracy - p.Lbfgs.Accuracy);
        string misses = below.Count == 0 ? "" : "; below: " + string.Join(", ", below.Select(p => $"{p.Dataset.Name} {Signed(p.Ours.Accuracy - p.Lbfgs.Accuracy)}"));
        return (below.Count == 0, $"worst {worst.Dataset.Name} {Signed(worst.Ours.Accuracy - worst.Lbfgs.Accuracy)}{misses}");
    });

    /// <summary>Target (3): ours' total training time ≤ L-BFGS's.</summary>
    private string TotalTimeTarget(Contestant ours) => Target(ours, paired =>
    {
        double mine = paired.Sum(p => p.Ours.TrainingSeconds), theirs = paired.Sum(p => p.Lbfgs.TrainingSeconds);
        return (mine <= theirs, $"{mine:F2} s vs {theirs:F2} s (ratio {mine / theirs:F3})");
    });

    /// <summary>
    /// Target (4): on Fashion-MNIST 55,000, ours' accuracy ≥ L-BFGS's in at most <see cref="TimeShare"/> of its
    /// training time.
    /// </summary>
    private string LargeDatasetTarget(Contestant ours)
    {
        if (!Results.TryGetValue((LargeDataset, ours.Key), out var mine) || !Results.TryGetValue((LargeDataset, Contestant.Lbfgs.Key), out var theirs))
            return Datasets.Any(d => d.Key == LargeDataset) ? "not evaluated: a run failed" : "not run (--datasets left it out)";
        double ratio = mine.TrainingSeconds / theirs.TrainingSeconds;
        bool met = mine.Accuracy >= theirs.Accuracy && ratio <= TimeShare;
        return $"{Verdict(met)}: accuracy {F4(mine.Accuracy)} vs {F4(theirs.Accuracy)} ({Signed(mine.Accuracy - theirs.Accuracy)}), " +
               $"time {mine.TrainingSeconds:F2} s vs {theirs.TrainingSeconds:F2} s, **ratio {ratio:F3}** (≤ {TimeShare} needed)";
    }

    /// <summary>Ours − L-BFGS accuracy on one dataset, or null when a run failed.</summary>
    private double? Difference(string dataset, Contestant ours) =>
        Results.TryGetValue((dataset, ours.Key), out var mine) && Results.TryGetValue((dataset, Contestant.Lbfgs.Key), out var theirs)
            ? mine.Accuracy - theirs.Accuracy : null;

    /// <summary>Ours' training time ÷ L-BFGS's on one dataset, or null when a run failed.</summary>
    private double? Ratio(string dataset, Contestant ours) =>
        Results.TryGetValue((dataset, ours.Key), out var mine) && Results.TryGetValue((dataset, Contestant.Lbfgs.Key), out var theirs)
            ? mine.TrainingSeconds / theirs.TrainingSeconds : null;

    /// <summary>One table with a row per dataset: its name, then <paramref name="cells"/>.</summary>
    private void Table(TextWriter output, string first, IEnumerable<string> headers, Func<BenchmarkDataset, IEnumerable<string>> cells)
    {
        var names = headers.ToList();
        output.WriteLine($"| {first} | {string.Join(" | ", names)} |");
        output.WriteLine($"|---|{string.Concat(names.Select(_ => "---:|"))}");
        foreach (var d in Datasets)
            output.WriteLine($"| {d.Name} | {string.Join(" | ", cells(d))} |");
    }

    /// <summary><paramref name="format"/> of the contestant's result on the dataset, or FAILED.</summary>
    private string Cell(BenchmarkDataset dataset, Contestant contestant, Func<ContestResult, string> format) =>
        Results.TryGetValue((dataset.Key, contestant.Key), out var result) ? format(result) : "FAILED";

    private static string Verdict(bool met) => met ? "**met**" : "**missed**";

    private static string F4(double value) => value.ToString("F4", CultureInfo.InvariantCulture);

    private static string Signed(double value) => value.ToString("+0.0000;−0.0000;0.0000", CultureInfo.InvariantCulture);
}

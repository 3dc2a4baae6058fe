using System.Globalization;
using System.Text;

namespace MLNet.SoftTargets.SemiSupervised;

/// <summary>The markdown tables and the verdict line.</summary>
public static class ResultTable
{
    /// <summary>One row per model of one seed: the baseline (round 0), then each pseudo-labelling round.</summary>
    public static string Rounds(SeedResult result)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| round | trained on | epochs (steps) | test acc | test NLL | test ECE | validation acc | unlabelled: mean top-1 conf | unlabelled: arg-max acc | train s |");
        sb.AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        var best = result.BestOnValidation;
        foreach (var m in result.Models)
        {
            string round = m.Round == 0 ? "0 (baseline)" : m.Round.ToString(CultureInfo.InvariantCulture);
            string mark = ReferenceEquals(m, best) ? " *" : "";
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {round}{mark} | {m.TrainedOn} | {m.Epochs} ({m.Steps}) | {m.Test.Accuracy:F4} | {m.Test.LogLoss:F4} | {m.Test.ExpectedCalibrationError:F4} | " +
                $"{m.Validation.Accuracy:F4} | {m.UnlabelledConfidence:F3} | {m.UnlabelledAccuracy:F4} | {m.TrainingSeconds:F1} |");
        }
        return sb.ToString();
    }

    public const string Legend =
        """
        - **round 0** is the labelled-only baseline (plain cross-entropy on the labelled rows, `softTargetColumnName: null`);
          round r trains on the labelled rows (one-hot) plus the unlabelled rows with round r−1's scores sharpened by
          `SharpenLabels(T)` as soft targets.
        - **test acc / NLL / ECE**: `EvaluateCalibration` on the test split (ECE: 15 equal-width bins of top-1 confidence).
        - **unlabelled: mean top-1 conf / arg-max acc**: this model's scores on the unlabelled rows — what the next round
          sharpens into pseudo-labels — and how often their arg-max is the hidden true label.
        - **\***: best validation accuracy (then lower validation NLL) — the model that is saved.
        """;

    /// <summary>One row per seed: baseline against the last round and the validation-chosen model, with the mean.</summary>
    public static string Seeds(IReadOnlyList<SeedResult> results)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| seed | baseline acc | last round acc | Δ acc (points) | baseline NLL | last round NLL | baseline ECE | last round ECE | chosen on validation | its test acc |");
        sb.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Seed} | {r.Baseline.Test.Accuracy:F4} | {r.Last.Test.Accuracy:F4} | {Delta(r):+0.0;-0.0;0.0} | " +
                $"{r.Baseline.Test.LogLoss:F4} | {r.Last.Test.LogLoss:F4} | {r.Baseline.Test.ExpectedCalibrationError:F4} | {r.Last.Test.ExpectedCalibrationError:F4} | " +
                $"round {r.BestOnValidation.Round} | {r.BestOnValidation.Test.Accuracy:F4} |");
        }
        if (results.Count > 1)
        {
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| mean | {results.Average(r => r.Baseline.Test.Accuracy):F4} | {results.Average(r => r.Last.Test.Accuracy):F4} | {results.Average(Delta):+0.0;-0.0;0.0} | " +
                $"{results.Average(r => r.Baseline.Test.LogLoss):F4} | {results.Average(r => r.Last.Test.LogLoss):F4} | " +
                $"{results.Average(r => r.Baseline.Test.ExpectedCalibrationError):F4} | {results.Average(r => r.Last.Test.ExpectedCalibrationError):F4} | | " +
                $"{results.Average(r => r.BestOnValidation.Test.Accuracy):F4} |");
        }
        return sb.ToString();
    }

    /// <summary>
    /// The verdict: the mean change of test accuracy from the baseline to the last round, against the noise — the spread
    /// of that change over seeds when there are several, else the binomial standard error of one accuracy.
    /// </summary>
    public static string Verdict(IReadOnlyList<SeedResult> results)
    {
        if (results[0].Models.Count < 2)
            return "Verdict: no pseudo-labelling rounds were run (--rounds 0).";
        double[] deltas = results.Select(Delta).ToArray();
        double mean = deltas.Average();
        long n = results[0].Baseline.Test.RowCount;
        double p = results.Average(r => r.Baseline.Test.Accuracy);
        double binomial = 100 * Math.Sqrt(p * (1 - p) / n);
        string noise;
        double scale;
        if (deltas.Length > 1)
        {
            double sd = Math.Sqrt(deltas.Sum(d => (d - mean) * (d - mean)) / (deltas.Length - 1));
            scale = sd / Math.Sqrt(deltas.Length);
            noise = string.Create(CultureInfo.InvariantCulture,
                $"over {deltas.Length} seeds the change is {mean:+0.0;-0.0} ± {scale:0.0} points (mean ± standard error; per-seed changes {string.Join(", ", deltas.Select(d => d.ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture)))})");
        }
        else
        {
            scale = binomial;
            noise = string.Create(CultureInfo.InvariantCulture,
                $"a single seed, judged against the binomial standard error of one test accuracy on {n} rows (≈ {binomial:0.0} points); confirm with more seeds (--seeds 42,43,44)");
        }
        string call = mean > 2 * scale ? "pseudo-labels raised test accuracy (by more than twice the noise)"
            : mean < -2 * scale ? "pseudo-labels lowered test accuracy (by more than twice the noise)"
            : "the change of test accuracy is within noise (less than twice the noise)";
        return string.Create(CultureInfo.InvariantCulture,
            $"Verdict: {call}. Test accuracy, baseline → round {results[0].Last.Round}: {results.Average(r => r.Baseline.Test.Accuracy):F4} → " +
            $"{results.Average(r => r.Last.Test.Accuracy):F4}; {noise}. Mean test NLL {results.Average(r => r.Baseline.Test.LogLoss):F4} → " +
            $"{results.Average(r => r.Last.Test.LogLoss):F4}, ECE {results.Average(r => r.Baseline.Test.ExpectedCalibrationError):F4} → " +
            $"{results.Average(r => r.Last.Test.ExpectedCalibrationError):F4}.");
    }

    /// <summary>Last round's test accuracy minus the baseline's, in percentage points.</summary>
    private static double Delta(SeedResult r) => 100 * (r.Last.Test.Accuracy - r.Baseline.Test.Accuracy);
}

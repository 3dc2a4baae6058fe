using System.Globalization;
using System.Text;

namespace MLNet.SoftTargets.CalibrationExperiment;

/// <summary>The markdown table of all runs, one row per trained model.</summary>
public static class ResultTable
{
    public static string Markdown(IReadOnlyList<RunResult> results)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| regime | targets | test acc | NLL | NLL after TS | ECE | ECE after TS | fitted T | conf − acc | feature norm | logit norm | tightness | tightness (unit) | train s |");
        sb.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            sb.Append(CultureInfo.InvariantCulture,
                $"| {r.Spec.Regime} | {r.Spec.Targets} | {r.Before.Accuracy:F4} | {r.Before.LogLoss:F4} | {r.AfterTemperature.LogLoss:F4} | ");
            sb.Append(CultureInfo.InvariantCulture,
                $"{r.Before.ExpectedCalibrationError:F4} | {r.AfterTemperature.ExpectedCalibrationError:F4} | {r.Temperature:F3} | {r.ConfidenceGap:+0.0000;-0.0000} | ");
            sb.Append(CultureInfo.InvariantCulture,
                $"{r.Representation.FeatureNorm.Mean:F2} | {r.Representation.LogitNorm?.Mean:F2} | {r.Representation.TightnessRatio:F3} | {r.UnitTightness:F3} | {r.TrainingSeconds:F1} |");
            sb.AppendLine();
        }
        return sb.ToString();
    }

    /// <summary>Test rows per confidence bin, before and after TS: how much each bar of a reliability diagram weighs.</summary>
    public static string BinCounts(IReadOnlyList<RunResult> results)
    {
        var sb = new StringBuilder();
        var bins = results[0].Before.Bins;
        sb.AppendLine("Test rows per confidence bin (bins of width 1/15, lowest first; reliability diagrams draw empty bins empty):");
        sb.AppendLine();
        sb.Append("| run | ");
        sb.AppendJoin(" | ", bins.Select(b => b.Upper.ToString("0.00", CultureInfo.InvariantCulture)));
        sb.AppendLine(" |");
        sb.Append("|---|");
        sb.AppendJoin("", bins.Select(_ => "---:|"));
        sb.AppendLine();
        foreach (var r in results)
        {
            foreach (var (label, metrics) in new[] { ("", r.Before), (" + TS", r.AfterTemperature) })
            {
                sb.Append(CultureInfo.InvariantCulture, $"| {r.Spec.Key}{label} | ");
                sb.AppendJoin(" | ", metrics.Bins.Select(b => b.Count.ToString(CultureInfo.InvariantCulture)));
                sb.AppendLine(" |");
            }
        }
        return sb.ToString();
    }

    public const string Legend =
        """
        - **test acc, NLL, ECE**: on the test rows; ECE with 15 equal-width confidence bins (top-1 confidence).
        - **after TS**: temperature scaling fitted on the held-out rows (minimum NLL), applied to the test scores; it keeps
          the arg-max, so accuracy is unchanged. **fitted T** > 1: the model was over-confident (scores softened);
          < 1: under-confident (scores sharpened).
        - **conf − acc**: mean top-1 confidence minus accuracy before TS (> 0 over-confident, < 0 under-confident).
        - **feature norm**: mean L2 norm of the penultimate features (`Embedding`) of the test rows; **logit norm**: of the logits.
        - **tightness**: mean distance of a test example to its class centroid / mean distance between class centroids, on the
          penultimate features (smaller = tighter clusters relative to their separation); **(unit)**: the same on the
          L2-normalised features (directions only, what a cosine head sees).
        - **train s**: wall time of `Fit` (reading the training set into the cache, the epochs, and the held-out evaluation after each epoch).
        """;
}

namespace MLNet.SoftTargets.Job;

/// <summary>Test-set metrics of one run, before and after temperature scaling.</summary>
public sealed record JobMetrics(
    double Accuracy,
    double Nll,
    double Ece,
    double Temperature,
    double NllAfterScaling,
    double EceAfterScaling,
    bool TemperatureAtBound);

/// <summary>
/// Accuracy, NLL, ECE and temperature scaling, computed from probability matrices the same way for every contestant.
/// </summary>
/// <remarks>
/// TEMPORARY: these will be replaced by the library's <c>EvaluateCalibration</c> / <c>CalibrateTemperature</c> once
/// those exist; keep the definitions below in step with theirs until then.
/// <list type="bullet">
/// <item>Scores are <c>s = ln max(p, float.Epsilon)</c> in double (logits up to a per-row constant, so this also
///   works for trainers that expose only probabilities, like ML.NET's); temperature <c>T</c> gives
///   <c>softmax(s / T)</c>; <c>T = 1</c> gives back <c>p</c>.</item>
/// <item>Accuracy: top-1 (first index on ties), which no temperature changes.</item>
/// <item>NLL: mean over rows of <c>-ln softmax(s / T)_y</c>, natural log.</item>
/// <item>ECE: 15 equal-width bins on top-1 confidence, bin <c>b</c> holding <c>b/15 &lt; conf ≤ (b+1)/15</c>;
///   <c>Σ_b |B_b|/n · |accuracy(B_b) − mean confidence(B_b)|</c>.</item>
/// <item>Temperature: one <c>T</c> fitted on the held-out rows by minimising their NLL, golden-section search on
///   <c>ln T ∈ [−3, 3]</c> to a bracket narrower than 1e-6 (NLL is convex in 1/T, so the search finds the minimum).</item>
/// </list>
/// </remarks>
public static class CalibrationMetrics
{
    public const int EceBins = 15;
    public const double MinLogTemperature = -3;
    public const double MaxLogTemperature = 3;
    private const int K = JobSettings.Classes;

    /// <summary>Fits <c>T</c> on <paramref name="holdout"/> and evaluates <paramref name="test"/> at 1 and at <c>T</c>.</summary>
    public static JobMetrics Evaluate(float[] holdoutProbabilities, byte[] holdoutLabels, float[] testProbabilities, byte[] testLabels)
    {
        double[] holdout = Scores(holdoutProbabilities, holdoutLabels.Length);
        double[] test = Scores(testProbabilities, testLabels.Length);
        double logT = FitLogTemperature(holdout, holdoutLabels);
        double t = Math.Exp(logT);
        bool atBound = logT < MinLogTemperature + 1e-3 || logT > MaxLogTemperature - 1e-3;
        return new JobMetrics(
            Accuracy(test, testLabels),
            Nll(test, testLabels, 1),
            Ece(test, testLabels, 1),
            t,
            Nll(test, testLabels, t),
            Ece(test, testLabels, t),
            atBound);
    }

    /// <summary>Row-major <c>[rows, 10]</c> probabilities → scores <c>ln max(p, float.Epsilon)</c>; checks the shape and that rows are finite.</summary>
    public static double[] Scores(float[] probabilities, int rows)
    {
        if (probabilities.Length != rows * K)
            throw new ArgumentException($"expected {rows}×{K} probabilities, got {probabilities.Length}", nameof(probabilities));
        var s = new double[probabilities.Length];
        for (int i = 0; i < s.Length; i++)
        {
            float p = probabilities[i];
            if (!float.IsFinite(p) || p < 0)
                throw new ArgumentException($"probability {i} is {p}", nameof(probabilities));
            s[i] = Math.Log(Math.Max(p, float.Epsilon));
        }
        return s;
    }

    public static double Accuracy(double[] scores, byte[] labels)
    {
        int correct = 0;
        for (int r = 0; r < labels.Length; r++)
            if (ArgMax(scores.AsSpan(r * K, K)) == labels[r])
                correct++;
        return (double)correct / labels.Length;
    }

    public static double Nll(double[] scores, byte[] labels, double temperature)
    {
        double sum = 0;
        for (int r = 0; r < labels.Length; r++)
        {
            var row = scores.AsSpan(r * K, K);
            sum += LogSumExp(row, temperature) - row[labels[r]] / temperature;
        }
        return sum / labels.Length;
    }

    public static double Ece(double[] scores, byte[] labels, double temperature)
    {
        var count = new int[EceBins];
        var confidence = new double[EceBins];
        var correct = new int[EceBins];
        for (int r = 0; r < labels.Length; r++)
        {
            var row = scores.AsSpan(r * K, K);
            int top = ArgMax(row);
            // Top-1 probability of softmax(s / T) = exp(s_top/T - logsumexp(s/T)).
            double conf = Math.Exp(row[top] / temperature - LogSumExp(row, temperature));
            int bin = Math.Clamp((int)Math.Ceiling(conf * EceBins) - 1, 0, EceBins - 1);
            count[bin]++;
            confidence[bin] += conf;
            if (top == labels[r])
                correct[bin]++;
        }
        double ece = 0;
        for (int b = 0; b < EceBins; b++)
            if (count[b] > 0)
                ece += Math.Abs((double)correct[b] / count[b] - confidence[b] / count[b]) * count[b] / labels.Length;
        return ece;
    }

    /// <summary>Golden-section search for the <c>ln T</c> in [−3, 3] that minimises the NLL of <paramref name="scores"/>.</summary>
    public static double FitLogTemperature(double[] scores, byte[] labels)
    {
        double invPhi = (Math.Sqrt(5) - 1) / 2;
        double a = MinLogTemperature, b = MaxLogTemperature;
        double c = b - invPhi * (b - a), d = a + invPhi * (b - a);
        double fc = Nll(scores, labels, Math.Exp(c)), fd = Nll(scores, labels, Math.Exp(d));
        while (b - a > 1e-6)
        {
            if (fc <= fd)
            {
                b = d; d = c; fd = fc;
                c = b - invPhi * (b - a);
                fc = Nll(scores, labels, Math.Exp(c));
            }
            else
            {
                a = c; c = d; fc = fd;
                d = a + invPhi * (b - a);
                fd = Nll(scores, labels, Math.Exp(d));
            }
        }
        return (a + b) / 2;
    }

    private static int ArgMax(ReadOnlySpan<double> row)
    {
        int best = 0;
        for (int k = 1; k < row.Length; k++)
            if (row[k] > row[best])
                best = k;
        return best;
    }

    private static double LogSumExp(ReadOnlySpan<double> row, double temperature)
    {
        double max = double.NegativeInfinity;
        foreach (double s in row)
            max = Math.Max(max, s / temperature);
        double sum = 0;
        foreach (double s in row)
            sum += Math.Exp(s / temperature - max);
        return max + Math.Log(sum);
    }
}

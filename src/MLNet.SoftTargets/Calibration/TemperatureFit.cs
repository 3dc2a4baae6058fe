namespace MLNet.SoftTargets;

/// <summary>
/// Temperature scaling (Guo et al. 2017): the T &gt; 0 minimising the negative log-likelihood of
/// <c>softmax(log p / T)</c> on labelled rows. NLL is convex in 1/T, hence unimodal in log T; a golden-section search
/// on log T ∈ [−8, 8] finds it to 1e-9, and T = 1 is kept if it is no worse, so fitting never increases the NLL.
/// </summary>
internal static class TemperatureFit
{
    private const double LogLow = -8, LogHigh = 8, Tolerance = 1e-9;

    /// <summary>Fits T to rows of log-probabilities (<paramref name="logProbabilities"/>, row-major [N, K]) and 0-based labels.</summary>
    public static double Fit(double[] logProbabilities, int[] labels, int classCount)
    {
        if (labels.Length == 0)
            throw new InvalidOperationException("Temperature scaling needs at least one row with a label.");
        double Nll(double logT) => NegativeLogLikelihood(logProbabilities, labels, classCount, Math.Exp(logT));
        double a = LogLow, b = LogHigh;
        double ratio = (Math.Sqrt(5) - 1) / 2;
        double c = b - ratio * (b - a), d = a + ratio * (b - a);
        double fc = Nll(c), fd = Nll(d);
        while (b - a > Tolerance)
        {
            if (fc <= fd)
            {
                b = d;
                d = c;
                fd = fc;
                c = b - ratio * (b - a);
                fc = Nll(c);
            }
            else
            {
                a = c;
                c = d;
                fc = fd;
                d = a + ratio * (b - a);
                fd = Nll(d);
            }
        }
        double best = (a + b) / 2;
        return Nll(best) < Nll(0) ? Math.Exp(best) : 1.0;
    }

    /// <summary>Mean NLL of <c>softmax(log p / T)</c> (log-sum-exp with max subtraction).</summary>
    public static double NegativeLogLikelihood(double[] logProbabilities, int[] labels, int classCount, double temperature)
    {
        double total = 0;
        for (int n = 0; n < labels.Length; n++)
        {
            var row = logProbabilities.AsSpan(n * classCount, classCount);
            total += SoftTargetKernels.LogSumExp<double>(row, temperature) - row[labels[n]] / temperature;
        }
        return total / labels.Length;
    }
}

namespace MLNet.SoftTargets;

/// <summary>Accumulates rows of (probabilities, label) into <see cref="CalibrationMetrics"/>; no ML.NET types, testable on its own.</summary>
internal sealed class CalibrationAccumulator
{
    private readonly int _bins;
    private readonly long[] _count;
    private readonly double[] _confidence;
    private readonly long[] _correct;
    private double _logLoss;
    private double _brier;
    private long _rows;
    private long _hits;

    public CalibrationAccumulator(int bins)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 1);
        _bins = bins;
        _count = new long[bins];
        _confidence = new double[bins];
        _correct = new long[bins];
    }

    /// <summary>The bin of a confidence in [0, 1]: the b with (b-1)/B &lt; c ≤ b/B (0-based), edges computed as (b+1)/B.</summary>
    public static int BinOf(double confidence, int bins)
    {
        int b = Math.Clamp((int)Math.Ceiling(confidence * bins) - 1, 0, bins - 1);
        while (b > 0 && confidence <= b / (double)bins)
            b--;
        while (b < bins - 1 && confidence > (b + 1) / (double)bins)
            b++;
        return b;
    }

    /// <summary>Adds one row: <paramref name="probabilities"/> of the K classes and the 0-based <paramref name="label"/>.</summary>
    public void Add(ReadOnlySpan<float> probabilities, int label)
    {
        int best = 0;
        for (int k = 1; k < probabilities.Length; k++)
        {
            if (probabilities[k] > probabilities[best])
                best = k;
        }
        double confidence = probabilities[best];
        int bin = BinOf(confidence, _bins);
        _count[bin]++;
        _confidence[bin] += confidence;
        if (best == label)
        {
            _correct[bin]++;
            _hits++;
        }
        _logLoss -= Math.Log(Math.Max(probabilities[label], 1e-15));
        for (int k = 0; k < probabilities.Length; k++)
        {
            double diff = probabilities[k] - (k == label ? 1.0 : 0.0);
            _brier += diff * diff;
        }
        _rows++;
    }

    public CalibrationMetrics Result()
    {
        if (_rows == 0)
            throw new InvalidOperationException("No rows with a label to evaluate.");
        var bins = new CalibrationBin[_bins];
        double ece = 0, mce = 0;
        for (int b = 0; b < _bins; b++)
        {
            long n = _count[b];
            var bin = new CalibrationBin(b / (double)_bins, (b + 1) / (double)_bins, n,
                n == 0 ? double.NaN : _confidence[b] / n, n == 0 ? double.NaN : _correct[b] / (double)n);
            bins[b] = bin;
            ece += n / (double)_rows * bin.Gap;
            mce = Math.Max(mce, bin.Gap);
        }
        return new CalibrationMetrics
        {
            ExpectedCalibrationError = ece,
            MaximumCalibrationError = mce,
            LogLoss = _logLoss / _rows,
            BrierScore = _brier / _rows,
            Accuracy = _hits / (double)_rows,
            RowCount = _rows,
            Bins = bins,
        };
    }
}

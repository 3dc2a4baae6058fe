namespace MLNet.SoftTargets;

/// <summary>Accumulates rows of (probabilities, label) into <see cref="CalibrationMetrics"/>; no ML.NET types, testable on its own.</summary>
internal sealed class CalibrationAccumulator
{
    private readonly int _bins;
    private readonly CalibrationBinning _binning;
    // Equal-width bins accumulate as rows come; equal-mass bins need every row's confidence (sorted at the end).
    private readonly long[] _widthCount;
    private readonly double[] _widthConfidence;
    private readonly long[] _widthCorrect;
    private readonly List<double> _confidences = [];
    private readonly List<bool> _correct = [];
    private long _rows;
    private long[]? _classCount;      // [K, B]: rows whose p_k falls in bin b
    private double[]? _classProbability;
    private long[]? _classHits;       // … of which have label k
    private int _classes;
    private double _logLoss;
    private double _brier;
    private long _hits;

    public CalibrationAccumulator(int bins, CalibrationBinning binning = CalibrationBinning.EqualWidth)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 1);
        if (!Enum.IsDefined(binning))
            throw new ArgumentOutOfRangeException(nameof(binning), binning, $"binning must be one of {string.Join(", ", Enum.GetNames<CalibrationBinning>())}.");
        _bins = bins;
        _binning = binning;
        _widthCount = new long[bins];
        _widthConfidence = new double[bins];
        _widthCorrect = new long[bins];
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
        if (_classCount is null)
        {
            _classes = probabilities.Length;
            _classCount = new long[_classes * _bins];
            _classProbability = new double[_classes * _bins];
            _classHits = new long[_classes * _bins];
        }
        else if (probabilities.Length != _classes)
        {
            throw new ArgumentException($"A row has {probabilities.Length} probabilities, the first had {_classes}.", nameof(probabilities));
        }
        int best = 0;
        for (int k = 1; k < probabilities.Length; k++)
        {
            if (probabilities[k] > probabilities[best])
                best = k;
        }
        double confidence = probabilities[best];
        _rows++;
        if (_binning == CalibrationBinning.EqualMass)
        {
            _confidences.Add(confidence);
            _correct.Add(best == label);
        }
        else
        {
            int bin = BinOf(confidence, _bins);
            _widthCount[bin]++;
            _widthConfidence[bin] += confidence;
            _widthCorrect[bin] += best == label ? 1 : 0;
        }
        if (best == label)
            _hits++;
        _logLoss -= Math.Log(Math.Max(probabilities[label], 1e-15));
        for (int k = 0; k < probabilities.Length; k++)
        {
            double diff = probabilities[k] - (k == label ? 1.0 : 0.0);
            _brier += diff * diff;
            int cell = k * _bins + BinOf(probabilities[k], _bins);
            _classCount[cell]++;
            _classProbability![cell] += probabilities[k];
            if (k == label)
                _classHits![cell]++;
        }
    }

    public CalibrationMetrics Result()
    {
        long rows = _rows;
        if (rows == 0)
            throw new InvalidOperationException("No rows with a label to evaluate.");
        var bins = _binning == CalibrationBinning.EqualWidth ? EqualWidthBins() : EqualMassBins();
        double ece = 0, mce = 0;
        foreach (var bin in bins)
        {
            ece += bin.Count / (double)rows * bin.Gap;
            mce = Math.Max(mce, bin.Gap);
        }
        // Classwise: for each class, equal-width bins of p_k against 1[y = k]; ECE_k = Σ_b n_b/N · |acc_b − conf_b|.
        var classwise = new CalibrationBin[_classes][];
        double classwiseEce = 0;
        for (int k = 0; k < _classes; k++)
        {
            classwise[k] = new CalibrationBin[_bins];
            double ecek = 0;
            for (int b = 0; b < _bins; b++)
            {
                int cell = k * _bins + b;
                long n = _classCount![cell];
                var bin = new CalibrationBin(b / (double)_bins, (b + 1) / (double)_bins, n,
                    n == 0 ? double.NaN : _classProbability![cell] / n, n == 0 ? double.NaN : _classHits![cell] / (double)n);
                classwise[k][b] = bin;
                ecek += n / (double)rows * bin.Gap;
            }
            classwiseEce += ecek;
        }
        return new CalibrationMetrics
        {
            ExpectedCalibrationError = ece,
            MaximumCalibrationError = mce,
            ClasswiseExpectedCalibrationError = classwiseEce / _classes,
            LogLoss = _logLoss / rows,
            BrierScore = _brier / rows,
            Accuracy = _hits / (double)rows,
            RowCount = rows,
            Binning = _binning,
            Bins = bins,
            ClasswiseBins = classwise,
        };
    }

    private CalibrationBin[] EqualWidthBins()
    {
        var bins = new CalibrationBin[_bins];
        for (int b = 0; b < _bins; b++)
        {
            long n = _widthCount[b];
            bins[b] = new CalibrationBin(b / (double)_bins, (b + 1) / (double)_bins, n, n == 0 ? double.NaN : _widthConfidence[b] / n,
                n == 0 ? double.NaN : _widthCorrect[b] / (double)n);
        }
        return bins;
    }

    // numpy's array_split of the rows sorted by confidence (a stable sort: ties stay in row order): the first N mod B
    // groups hold ⌊N/B⌋ + 1 rows, the rest ⌊N/B⌋. A bin's edges are its lowest and highest confidence (NaN when empty).
    private CalibrationBin[] EqualMassBins()
    {
        int rows = _confidences.Count;
        var order = Enumerable.Range(0, rows).OrderBy(i => _confidences[i]).ToArray();
        var bins = new CalibrationBin[_bins];
        int start = 0;
        for (int b = 0; b < _bins; b++)
        {
            int size = rows / _bins + (b < rows % _bins ? 1 : 0);
            double confidence = 0;
            long correct = 0;
            for (int j = start; j < start + size; j++)
            {
                confidence += _confidences[order[j]];
                correct += _correct[order[j]] ? 1 : 0;
            }
            bins[b] = size == 0
                ? new CalibrationBin(double.NaN, double.NaN, 0, double.NaN, double.NaN)
                : new CalibrationBin(_confidences[order[start]], _confidences[order[start + size - 1]], size, confidence / size, correct / (double)size);
            start += size;
        }
        return bins;
    }
}

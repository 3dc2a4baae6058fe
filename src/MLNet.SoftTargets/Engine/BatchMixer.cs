namespace MLNet.SoftTargets.Engine;

/// <summary>
/// Mixup (Zhang et al. 2018) and CutMix (Yun et al. 2019) of a batch in place, in the step runner's buffers: with
/// probability p the batch is mixed with a random permutation π of itself, by mixup (features, soft targets and
/// weights λ·a + (1 − λ)·a[π], λ ~ Beta(α, α)) or CutMix (a box of the image taken from x[π] in every channel, λ
/// corrected to 1 − box area / image area; targets and weights mixed with it). With example weights the mixed row's
/// loss must be λ·wᵢ·CEᵢ + (1 − λ)·w_π·CE_π, so its weight is w̃ = λ·wᵢ + (1 − λ)·w_π and its target the weight-mixed
/// (λ·wᵢ·qᵢ + (1 − λ)·w_π·q_π) / w̃ (a weight-0 row lends no label). Every draw comes from a generator seeded by
/// (seed, step) alone, so a run repeats exactly and a resumed run mixes as the uninterrupted one did.
/// </summary>
internal sealed class BatchMixer
{
    private readonly MixupSettings _settings;
    private readonly int _seed;
    private readonly int _featureCount;
    private readonly int _classCount;
    private readonly float[] _features;
    private readonly float[] _targets;
    private readonly float[] _weights;
    private readonly int[] _permutation;
    private readonly bool _weighted;

    public BatchMixer(MixupSettings settings, int seed, int batchSize, int featureCount, int classCount, bool weighted = false)
    {
        _weighted = weighted;
        _settings = settings;
        _seed = seed;
        _featureCount = featureCount;
        _classCount = classCount;
        _features = new float[batchSize * featureCount];
        _targets = new float[batchSize * classCount];
        _weights = new float[batchSize];
        _permutation = new int[batchSize];
    }

    /// <summary>What one batch got: whether it was mixed, by CutMix or mixup, with which λ (after CutMix's area correction) and box.</summary>
    public readonly record struct Mix(bool Mixed, bool CutMix, double Lambda, int Top, int Left, int Height, int Width);

    /// <summary>Mixes the first <paramref name="rows"/> rows of the buffers for step <paramref name="step"/> (1-based).</summary>
    public Mix Apply(Span<float> features, Span<float> targets, Span<float> weights, int rows, long step)
    {
        var rng = new Random(StepSeed(_seed, step));
        if (rows < 2 || !(rng.NextDouble() < _settings.Probability))
            return default;
        bool cutMix = _settings.CutMixAlpha > 0 && (_settings.MixupAlpha <= 0 || rng.NextDouble() < _settings.SwitchProbability);
        double lambda = Beta(rng, cutMix ? _settings.CutMixAlpha : _settings.MixupAlpha);
        for (int i = 0; i < rows; i++)
            _permutation[i] = i;
        for (int i = rows - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (_permutation[i], _permutation[j]) = (_permutation[j], _permutation[i]);
        }
        features[..(rows * _featureCount)].CopyTo(_features);
        targets[..(rows * _classCount)].CopyTo(_targets);
        weights[..rows].CopyTo(_weights);

        int top = 0, left = 0, height = 0, width = 0;
        if (cutMix)
        {
            var shape = _settings.ImageShape!;
            int channels = shape[0], h = shape[1], w = shape[2];
            // The box of timm's rand_bbox: sides √(1 − λ)·H and √(1 − λ)·W around a uniform centre, clipped at the borders.
            double ratio = Math.Sqrt(1 - lambda);
            int cutH = (int)(h * ratio), cutW = (int)(w * ratio);
            int cy = rng.Next(h), cx = rng.Next(w);
            top = Math.Clamp(cy - cutH / 2, 0, h);
            int bottom = Math.Clamp(cy + cutH / 2, 0, h);
            left = Math.Clamp(cx - cutW / 2, 0, w);
            int right = Math.Clamp(cx + cutW / 2, 0, w);
            height = bottom - top;
            width = right - left;
            lambda = 1 - (double)height * width / ((double)h * w);
            for (int i = 0; i < rows; i++)
            {
                var row = features.Slice(i * _featureCount, _featureCount);
                var partner = _features.AsSpan(_permutation[i] * _featureCount, _featureCount);
                for (int c = 0; c < channels; c++)
                {
                    for (int y = top; y < bottom; y++)
                    {
                        int offset = (c * h + y) * w + left;
                        partner.Slice(offset, width).CopyTo(row.Slice(offset, width));
                    }
                }
            }
        }
        else
        {
            Blend(features, _features, _featureCount, rows, (float)lambda);
        }
        if (_weighted)
            BlendWeighted(targets, weights, rows, (float)lambda);
        else
            Blend(targets, _targets, _classCount, rows, (float)lambda);
        return new Mix(true, cutMix, lambda, top, left, height, width);
    }

    // a[i] = λ·a[i] + (1 − λ)·a[π(i)], from the batch's copy.
    private void Blend(Span<float> values, float[] original, int width, int rows, float lambda)
    {
        float other = 1 - lambda;
        for (int i = 0; i < rows; i++)
        {
            var row = values.Slice(i * width, width);
            var self = original.AsSpan(i * width, width);
            var partner = original.AsSpan(_permutation[i] * width, width);
            for (int k = 0; k < width; k++)
                row[k] = lambda * self[k] + other * partner[k];
        }
    }

    // w̃ = λ·wᵢ + (1 − λ)·w_π and q̃ = (λ·wᵢ·qᵢ + (1 − λ)·w_π·q_π) / w̃ (the plain mix when both weights are 0).
    private void BlendWeighted(Span<float> targets, Span<float> weights, int rows, float lambda)
    {
        float other = 1 - lambda;
        for (int i = 0; i < rows; i++)
        {
            int p = _permutation[i];
            float a = lambda * _weights[i], b = other * _weights[p], w = a + b;
            if (w > 0)
            {
                a /= w;
                b /= w;
            }
            else
            {
                (a, b) = (lambda, other);
            }
            var row = targets.Slice(i * _classCount, _classCount);
            var self = _targets.AsSpan(i * _classCount, _classCount);
            var partner = _targets.AsSpan(p * _classCount, _classCount);
            for (int k = 0; k < _classCount; k++)
                row[k] = a * self[k] + b * partner[k];
            weights[i] = w;
        }
    }

    /// <summary>The generator's seed for one step: SplitMix64 of (seed, step), so neighbouring steps are unrelated.</summary>
    public static int StepSeed(int seed, long step)
    {
        ulong z = unchecked((ulong)(uint)seed * 0x9E3779B97F4A7C15UL + (ulong)step * 0xBF58476D1CE4E5B9UL + 0x94D049BB133111EBUL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (int)(z & 0x7FFFFFFF);
    }

    /// <summary>A Beta(α, α) draw as X / (X + Y) of two Gamma(α) draws (Marsaglia and Tsang 2000).</summary>
    public static double Beta(Random rng, double alpha)
    {
        double x = Gamma(rng, alpha), y = Gamma(rng, alpha);
        double sum = x + y;
        // Both underflow only for a tiny α, where Beta(α, α) puts its mass at 0 and 1.
        return sum > 0 ? x / sum : rng.NextDouble() < 0.5 ? 0 : 1;
    }

    private static double Gamma(Random rng, double shape)
    {
        if (shape < 1)
        {
            // Gamma(a) = Gamma(a + 1) · U^(1/a).
            double u = 1 - rng.NextDouble();
            return Gamma(rng, shape + 1) * Math.Pow(u, 1 / shape);
        }
        double d = shape - 1.0 / 3, c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = Normal(rng);
                v = 1 + c * x;
            }
            while (v <= 0);
            v = v * v * v;
            double u = 1 - rng.NextDouble();
            if (u < 1 - 0.0331 * x * x * x * x || Math.Log(u) < 0.5 * x * x + d * (1 - v + Math.Log(v)))
                return d * v;
        }
    }

    private static double Normal(Random rng)
    {
        double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}

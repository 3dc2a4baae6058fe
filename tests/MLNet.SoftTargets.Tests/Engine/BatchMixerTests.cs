using MLNet.SoftTargets.Engine;

namespace MLNet.SoftTargets.Tests.Engine;

/// <summary>
/// <see cref="BatchMixer"/>: mixup's convex combination, CutMix's box (its pixels come from the partner row in every
/// channel, λ is 1 − box area / image area, the targets mix with that λ), the draws as a function of (seed, step), and
/// the Beta sampler's moments.
/// </summary>
[TestClass]
public sealed class BatchMixerTests
{
    private const int Rows = 8, K = 3;

    // Row i's features: channel c, pixel p holds 1000·i + 100·c + p (distinct, so every value names its row); targets one-hot.
    private static (float[] X, float[] Q, float[] W) Batch(int featureCount)
    {
        var x = new float[Rows * featureCount];
        for (int i = 0; i < Rows; i++)
        {
            for (int j = 0; j < featureCount; j++)
                x[i * featureCount + j] = 1000 * i + j;
        }
        var q = new float[Rows * K];
        for (int i = 0; i < Rows; i++)
            q[i * K + i % K] = 1;
        var w = Enumerable.Range(0, Rows).Select(i => 1f + i).ToArray();
        return (x, q, w);
    }

    [TestMethod]
    [DataRow(1L)]
    [DataRow(3L)]
    [DataRow(77L)]
    public void CutMix_BoxComesFromOnePartnerInEveryChannel_AndLambdaIsOneMinusItsArea(long step)
    {
        const int c = 2, h = 6, w = 5, d = c * h * w;
        var mixer = new BatchMixer(new MixupSettings(0, 1.0, 1, 0.5, [c, h, w]), seed: 3, Rows, d, K, weighted: true);
        var (x, q, weights) = Batch(d);
        var (x0, q0, w0) = ((float[])x.Clone(), (float[])q.Clone(), (float[])weights.Clone());
        var mix = mixer.Apply(x, q, weights, Rows, step);
        Assert.IsTrue(mix.Mixed && mix.CutMix);
        int area = mix.Height * mix.Width;
        Assert.IsGreaterThan(0, area, "these steps draw non-empty boxes (an empty one would test nothing)");
        Assert.AreEqual(1 - area / (double)(h * w), mix.Lambda, 1e-12);
        for (int i = 0; i < Rows; i++)
        {
            int? partner = null;
            for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < h; y++)
            for (int xx = 0; xx < w; xx++)
            {
                int j = (ch * h + y) * w + xx;
                bool inBox = y >= mix.Top && y < mix.Top + mix.Height && xx >= mix.Left && xx < mix.Left + mix.Width;
                float value = x[i * d + j];
                if (!inBox)
                {
                    Assert.AreEqual(x0[i * d + j], value, $"row {i} pixel {j} outside the box");
                    continue;
                }
                int from = (int)(value - j) / 1000;
                Assert.AreEqual(x0[from * d + j], value);
                partner ??= from;
                Assert.AreEqual(partner, from, $"row {i}: the box mixes two partners");
            }
            if (partner is not { } p)
            {
                Assert.AreEqual(0, area);
                continue;
            }
            // Weighted: w̃ = λ·wᵢ + (1 − λ)·w_π, q̃ = (λ·wᵢ·qᵢ + (1 − λ)·w_π·q_π) / w̃.
            double wMixed = mix.Lambda * w0[i] + (1 - mix.Lambda) * w0[p];
            Assert.AreEqual(wMixed, weights[i], 1e-5, $"row {i} weight");
            for (int k = 0; k < K; k++)
                Assert.AreEqual((mix.Lambda * w0[i] * q0[i * K + k] + (1 - mix.Lambda) * w0[p] * q0[p * K + k]) / wMixed, q[i * K + k], 1e-6, $"row {i} target {k}");
        }
    }

    [TestMethod]
    public void Mixup_IsTheConvexCombinationWithOnePartner_AndRepeatsPerStep()
    {
        const int d = 4;
        // Beta(0.4, 0.4) puts much of its mass near 0 and 1; this step draws a λ inside (0.01, 0.99) (asserted below).
        const long Step = 2;
        var settings = new MixupSettings(0.4, 0, 1, 0.5, null);
        var mixer = new BatchMixer(settings, seed: 11, Rows, d, K);
        var (x, q, w) = Batch(d);
        var (x0, q0, w0) = ((float[])x.Clone(), (float[])q.Clone(), (float[])w.Clone());
        var mix = mixer.Apply(x, q, w, Rows, Step);
        Assert.IsTrue(mix.Mixed && !mix.CutMix);
        Assert.IsTrue(mix.Lambda is > 0.01 and < 0.99, $"λ = {mix.Lambda}: pick a step with a real mix");
        var partners = new HashSet<int>();
        for (int i = 0; i < Rows; i++)
        {
            // x̃ − λ·x = (1 − λ)·x[π(i)]: feature 0 names the partner.
            double partnerFeature0 = (x[i * d] - mix.Lambda * x0[i * d]) / (1 - mix.Lambda);
            int p = (int)Math.Round(partnerFeature0 / 1000);
            partners.Add(p);
            for (int j = 0; j < d; j++)
                Assert.AreEqual(mix.Lambda * x0[i * d + j] + (1 - mix.Lambda) * x0[p * d + j], x[i * d + j], 1e-2, $"row {i} feature {j}");
            for (int k = 0; k < K; k++)
                Assert.AreEqual(mix.Lambda * q0[i * K + k] + (1 - mix.Lambda) * q0[p * K + k], q[i * K + k], 1e-6, $"row {i} target {k}");
        }
        Assert.HasCount(Rows, partners, "π is a permutation");
        CollectionAssert.AreEqual(w0, w, "without example weights the weights buffer is left alone");
        // The same step mixes the same way on a fresh mixer; another step does not.
        var (x2, q2, w2) = Batch(d);
        Assert.AreEqual(mix, new BatchMixer(settings, 11, Rows, d, K).Apply(x2, q2, w2, Rows, Step));
        CollectionAssert.AreEqual(x, x2);
        var (x3, q3, w3) = Batch(d);
        Assert.AreNotEqual(mix.Lambda, new BatchMixer(settings, 11, Rows, d, K).Apply(x3, q3, w3, Rows, Step + 1).Lambda);
    }

    [TestMethod]
    public void Probability_AndSwitchProbability_AreTheShares()
    {
        const int d = 12;
        var mixer = new BatchMixer(new MixupSettings(0.2, 1.0, 0.7, 0.25, [3, 2, 2]), seed: 1, Rows, d, K);
        int mixed = 0, cut = 0;
        const int steps = 4000;
        for (long s = 1; s <= steps; s++)
        {
            var (x, q, w) = Batch(d);
            var mix = mixer.Apply(x, q, w, Rows, s);
            mixed += mix.Mixed ? 1 : 0;
            cut += mix.CutMix ? 1 : 0;
        }
        // Binomial standard errors: ≈ 0.007 and ≈ 0.008.
        Assert.AreEqual(0.7, mixed / (double)steps, 0.03);
        Assert.AreEqual(0.25, cut / (double)mixed, 0.03);
    }

    [TestMethod]
    [DataRow(0.2)]
    [DataRow(1.0)]
    [DataRow(3.0)]
    public void Beta_HasTheMomentsOfBetaAlphaAlpha(double alpha)
    {
        var rng = new Random(9);
        var draws = Enumerable.Range(0, 40_000).Select(_ => BatchMixer.Beta(rng, alpha)).ToArray();
        Assert.IsTrue(draws.All(v => v is >= 0 and <= 1));
        double mean = draws.Average();
        double variance = draws.Average(v => (v - mean) * (v - mean));
        // Beta(α, α): mean 1/2, variance 1 / (4·(2α + 1)).
        Assert.AreEqual(0.5, mean, 0.01);
        Assert.AreEqual(1 / (4 * (2 * alpha + 1)), variance, 0.006);
    }
}

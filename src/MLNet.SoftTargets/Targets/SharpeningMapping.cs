using Microsoft.ML;
using Microsoft.ML.Transforms;
using MLNet.SoftTargets.Persistence;
using System.Globalization;

namespace MLNet.SoftTargets;

/// <summary>
/// <c>p_k^(1/T) / Σ_j p_j^(1/T)</c> (see <see cref="SoftTargetKernels.Sharpen"/>). A one-hot row is a
/// fixed point for every T, so key inputs give the one-hot target (the T → 0 limit).
/// </summary>
/// <param name="classCount">K.</param>
/// <param name="temperature">T.</param>
/// <param name="marksTemperature">Name an intermediate column of the saved chain <see cref="TemperatureRole"/> followed by
/// T (round-trip text), so that <c>LoadWithFastScoring</c> recognises a temperature calibrator and reads T back exactly
/// (the stock stages expose no parameters that would give it).</param>
internal sealed class SharpeningMapping(int classCount, double temperature, bool marksTemperature = false) : SoftTargetMapping(classCount)
{
    /// <summary>The role-name prefix of the intermediate column that carries a calibrator's temperature.</summary>
    public const string TemperatureRole = "temperature=";

    public override void MapDistribution(ReadOnlySpan<float> p, Span<float> dst) => SoftTargetKernels.Sharpen(p, temperature, dst);

    /// <summary>At T = 1/2 (MixMatch's) the check and the squares share one pass.</summary>
    public override bool TryMapDistribution(ReadOnlySpan<float> p, Span<float> dst) =>
        temperature == 0.5 ? SoftTargetKernels.TrySharpenSquared(p, dst) : base.TryMapDistribution(p, dst);

    public override void MapOneHot(ReadOnlySpan<float> oneHot, Span<float> dst) => oneHot.CopyTo(dst);

    public override (string Column, string Expression) AppendBuiltIns(BuiltInChainBuilder chain, string source, bool sourceIsOneHot)
    {
        if (sourceIsOneHot)
            return (source, "x");

        // Divide by the largest entry first: raw powers of small probabilities underflow (0.1^100 is 0
        // in float, and 0/0 is NaN), while r = p / max keeps the top class at exactly 1.
        string byMax = chain.Intermediate("bymax");
        string powered = chain.Intermediate(marksTemperature ? TemperatureRole + temperature.ToString("R", CultureInfo.InvariantCulture) : "powered");
        string normalized = chain.Intermediate("normalized");
        var transforms = chain.Context.Transforms;
        chain.Add(transforms.NormalizeLpNorm(byMax, source, LpNormNormalizingEstimatorBase.NormFunction.Infinity, ensureZeroMean: false));
        string exponent = (1.0 / temperature).ToString("R", CultureInfo.InvariantCulture);
        chain.Add(transforms.Expression(powered, $"x => x ^ {exponent}", byMax));
        chain.Add(transforms.NormalizeLpNorm(normalized, powered, LpNormNormalizingEstimatorBase.NormFunction.L1, ensureZeroMean: false));
        return (normalized, "x");
    }
}

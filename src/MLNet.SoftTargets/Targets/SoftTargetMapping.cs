using System.Globalization;
using MLNet.SoftTargets.Persistence;

namespace MLNet.SoftTargets;

/// <summary>
/// The per-row math of one soft-target transform, in two equivalent forms: the fast path (span
/// kernels) and the stages of stock ML.NET transformers that the transform saves as.
/// </summary>
internal abstract class SoftTargetMapping
{
    protected SoftTargetMapping(int classCount) => ClassCount = classCount;

    public int ClassCount { get; }

    /// <summary>Maps a probability row (<see cref="SoftTargetKernels.IsProbabilityRow"/> holds) to the soft target.</summary>
    public abstract void MapDistribution(ReadOnlySpan<float> p, Span<float> dst);

    /// <summary>
    /// <see cref="MapDistribution"/> for a row that <see cref="SoftTargetKernels.IsProbabilityRow"/> accepts; false,
    /// leaving <paramref name="dst"/> as it was, for any other row. A mapping may check and map in one pass.
    /// </summary>
    public virtual bool TryMapDistribution(ReadOnlySpan<float> p, Span<float> dst)
    {
        if (!SoftTargetKernels.IsProbabilityRow(p))
            return false;
        MapDistribution(p, dst);
        return true;
    }

    /// <summary>Maps the one-hot row of a class to its soft target.</summary>
    public abstract void MapOneHot(ReadOnlySpan<float> oneHot, Span<float> dst);

    /// <summary>
    /// Appends the built-in stages that compute the soft target from <paramref name="source"/> (a one-hot
    /// row or a raw probability row) and returns the column they end in plus an expression body in
    /// <c>x</c> applied last (e.g. <c>x * 0.9 + 0.01</c>), exactly as the fast path computes it.
    /// Must be called before the fast path is used.
    /// </summary>
    public abstract (string Column, string Expression) AppendBuiltIns(BuiltInChainBuilder chain, string source, bool sourceIsOneHot);

    /// <summary>A float literal that ML.NET's expression language parses back to the same float.</summary>
    protected static string Literal(float value)
    {
        string text = value.ToString("R", CultureInfo.InvariantCulture);
        if (!text.Contains('E') && !text.Contains('.'))
            text += ".0";
        return text;
    }
}

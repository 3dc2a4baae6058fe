using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MLNet.SoftTargets;

/// <summary>
/// The arithmetic of soft targets over spans: one implementation shared by the transforms, the
/// trainer's inline smoothing and the calibrator. Every method works for any length, including 0.
/// </summary>
/// <remarks>
/// A <em>missing</em> soft-target row is a row that contains a NaN; the transforms write missing rows
/// as all-NaN (<see cref="FillMissing"/>) and the trainer skips any row for which
/// <see cref="IsMissing"/> is true. Multiplications and additions are done as separate float
/// operations (no fused multiply-add) so the results are bit-identical to ML.NET's
/// <c>Expression</c> transform, which the saved models use.
/// </remarks>
public static partial class SoftTargetKernels
{
    /// <summary>True when <paramref name="row"/> contains a NaN: the marker of a missing soft target.</summary>
    public static bool IsMissing(ReadOnlySpan<float> row)
    {
        foreach (var v in row)
        {
            if (float.IsNaN(v))
                return true;
        }
        return false;
    }

    /// <summary>Writes NaN into every entry of <paramref name="row"/>: the missing-row marker.</summary>
    public static void FillMissing(Span<float> row) => row.Fill(float.NaN);

    /// <summary>
    /// True when <paramref name="p"/> can be read as an (unnormalised) distribution: every entry finite
    /// and ≥ 0, and at least one entry &gt; 0. NaN, negative or infinite entries, or an all-zero row, are not.
    /// </summary>
    public static bool IsProbabilityRow(ReadOnlySpan<float> p)
    {
        const uint AllLanes256 = (1u << 8) - 1;
        // Every row a transform reads passes through here, so rows of 8 or more are checked 8 lanes at a time (the
        // last load overlapping the previous one), shorter ones lane by lane.
        if (Vector256.IsHardwareAccelerated && p.Length >= Vector256<float>.Count)
        {
            ref float start = ref MemoryMarshal.GetReference(p);
            var zero = Vector256<float>.Zero;
            var infinity = Vector256.Create(float.PositiveInfinity);
            var positive = Vector256<float>.Zero;
            int last = p.Length - Vector256<float>.Count;
            for (int i = 0; ; i = Math.Min(i + Vector256<float>.Count, last))
            {
                var v = Vector256.LoadUnsafe(ref start, (nuint)i);
                // 0 ≤ v < ∞ is false for NaN, negative and infinite entries.
                var valid = Vector256.GreaterThanOrEqual(v, zero) & Vector256.LessThan(v, infinity);
                if (valid.ExtractMostSignificantBits() != AllLanes256)
                    return false;
                positive |= Vector256.GreaterThan(v, zero);
                if (i == last)
                    return positive.ExtractMostSignificantBits() != 0;
            }
        }
        bool anyPositive = false;
        foreach (var v in p)
        {
            if (!(v >= 0f) || float.IsPositiveInfinity(v))
                return false;
            anyPositive |= v > 0f;
        }
        return anyPositive;
    }

    /// <summary>Sum of the entries (sequential float accumulation).</summary>
    public static float Sum(ReadOnlySpan<float> values)
    {
        float sum = 0f;
        foreach (var v in values)
            sum += v;
        return sum;
    }

    /// <summary>Largest entry; <see cref="float.NegativeInfinity"/> for an empty span.</summary>
    public static float Max(ReadOnlySpan<float> values)
    {
        float max = float.NegativeInfinity;
        foreach (var v in values)
        {
            if (v > max)
                max = v;
        }
        return max;
    }

    /// <summary><c>dst[i] = src[i] · scale</c>.</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static void Scale(ReadOnlySpan<float> src, float scale, Span<float> dst)
    {
        CheckSameLength(src, dst);
        int i = 0;
        if (Vector.IsHardwareAccelerated && src.Length >= Vector<float>.Count)
        {
            var s = MemoryMarshal.Cast<float, Vector<float>>(src);
            var d = MemoryMarshal.Cast<float, Vector<float>>(dst);
            for (int v = 0; v < s.Length; v++)
                d[v] = s[v] * scale;
            i = s.Length * Vector<float>.Count;
        }
        for (; i < src.Length; i++)
            dst[i] = src[i] * scale;
    }

    /// <summary><c>dst[i] = src[i] · scale + offset</c> (multiply, round, add, round).</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static void Affine(ReadOnlySpan<float> src, float scale, float offset, Span<float> dst)
    {
        CheckSameLength(src, dst);
        int i = 0;
        if (Vector.IsHardwareAccelerated && src.Length >= Vector<float>.Count)
        {
            var s = MemoryMarshal.Cast<float, Vector<float>>(src);
            var d = MemoryMarshal.Cast<float, Vector<float>>(dst);
            var a = new Vector<float>(scale);
            var b = new Vector<float>(offset);
            for (int v = 0; v < s.Length; v++)
            {
                var product = s[v] * a;
                d[v] = product + b;
            }
            i = s.Length * Vector<float>.Count;
        }
        for (; i < src.Length; i++)
        {
            float product = src[i] * scale;
            dst[i] = product + offset;
        }
    }

    /// <summary><c>dst[i] = (src[i] - offset[i]) · scale[i]</c>: a per-slot affine map.</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static void ShiftScale(ReadOnlySpan<float> src, ReadOnlySpan<float> offset, ReadOnlySpan<float> scale, Span<float> dst)
    {
        CheckSameLength(src, dst);
        CheckSameLength(offset, dst);
        CheckSameLength(scale, dst);
        for (int i = 0; i < src.Length; i++)
        {
            float shifted = src[i] - offset[i];
            dst[i] = shifted * scale[i];
        }
    }

    /// <summary>
    /// L1 normalisation of a probability row: <c>dst = p · (1 / Σp)</c>.
    /// Call only when <see cref="IsProbabilityRow"/> holds.
    /// </summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static void NormalizeSum(ReadOnlySpan<float> p, Span<float> dst) => Scale(p, 1f / Sum(p), dst);

    /// <summary>
    /// Sharpening (MixMatch, Berthelot et al. 2019) and temperature softening (Hinton et al. 2015):
    /// <c>dst_k = p_k^(1/T) / Σ_j p_j^(1/T)</c>. T &lt; 1 sharpens (T → 0 gives the one-hot of the
    /// arg-max), T = 1 only normalises, T &gt; 1 softens.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Computed in single precision as <c>r = p · (1/max(p))</c>, <c>e = r^(1/T)</c>, <c>dst = e · (1/Σe)</c>:
    /// dividing by the largest entry is the log-space max subtraction (<c>exp((log p - log max)/T)</c>), so
    /// the top class is 1 (to within one rounding) and nothing overflows; entries far below the top
    /// underflow to 0, their true limit. Zeros stay zero and ties stay ties for every T &gt; 0.
    /// </para>
    /// <para>
    /// Precision: for 1/T = 1 the powers are <c>r</c> itself and for 1/T = 2 they are <c>r · r</c>, both
    /// bit-identical to <c>(float)Math.Pow(r, 1/T)</c>. Any other exponent is rounded to float and
    /// <c>r^(1/T)</c> is evaluated as <c>2^z</c>, <c>z = (1/T)·log2 r</c>, with polynomial approximations in
    /// float. Its relative error against the exact power of the float <c>r</c> is within
    /// <c>(2 + 3|z|)·2⁻²⁴</c> (measured on every 13th float in (0, 1] for eight exponents from 10⁻⁴ to
    /// 1000): two or three float roundings where the power is not small. Powers below 2⁻¹²⁶ are flushed to 0.
    /// The sum is taken pairwise across SIMD lanes, not left to right, so rows agree with a sequential
    /// evaluation to float rounding, not bit for bit.
    /// </para>
    /// <para>
    /// Call only when <see cref="IsProbabilityRow"/> holds. <paramref name="dst"/> may be
    /// <paramref name="p"/> itself.
    /// </para>
    /// </remarks>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="temperature"/> is not a finite number &gt; 0.</exception>
    public static void Sharpen(ReadOnlySpan<float> p, double temperature, Span<float> dst)
    {
        CheckTemperature(temperature, nameof(temperature));
        CheckSameLength(p, dst);
        PowersOfRatioToMax(p, 1.0 / temperature, dst, normalize: true);
    }

    /// <summary>
    /// <c>log Σ_i exp(x_i / divisor)</c> in double precision, with the largest term factored out so that large inputs do
    /// not overflow: <c>m + log Σ_i exp(x_i / divisor − m)</c>, m = max_i x_i / divisor. The one log-sum-exp of the
    /// library (validation log-loss, temperature scaling); −∞ for an empty span.
    /// </summary>
    internal static double LogSumExp<T>(ReadOnlySpan<T> values, double divisor = 1)
        where T : INumberBase<T>
    {
        double max = double.NegativeInfinity;
        foreach (var v in values)
            max = Math.Max(max, double.CreateTruncating(v) / divisor);
        if (double.IsNegativeInfinity(max))
            return max;
        double sum = 0;
        foreach (var v in values)
            sum += Math.Exp(double.CreateTruncating(v) / divisor - max);
        return Math.Log(sum) + max;
    }

    internal static void CheckTemperature(double temperature, string paramName)
    {
        if (!double.IsFinite(temperature) || temperature <= 0)
            throw new ArgumentOutOfRangeException(paramName, temperature,
                $"The temperature must be a finite number greater than 0 (T < 1 sharpens, T = 1 is the identity, T > 1 softens); got {temperature}.");
    }

    private static void CheckSameLength(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
            throw new ArgumentException($"The spans must have the same length; got {a.Length} and {b.Length}.");
    }
}

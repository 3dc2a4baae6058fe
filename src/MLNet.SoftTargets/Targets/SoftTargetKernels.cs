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
public static class SoftTargetKernels
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
    /// The powers that <see cref="Sharpen"/> normalises, <c>dst = (p · (1/max(p)))^exponent</c>, or with
    /// <paramref name="normalize"/> the sharpened row itself. For exponents 1 and 2 each power is exactly
    /// <c>(float)Math.Pow(r, exponent)</c>; other exponents have the error stated on <see cref="Sharpen"/>.
    /// The exponent must be &gt; 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void PowersOfRatioToMax(ReadOnlySpan<float> p, double exponent, Span<float> dst, bool normalize)
    {
        if (p.Length >= Vector<float>.Count)
            PowersOfRatioToMaxWide(p, exponent, dst, normalize);
        else if (p.Length > 0)
            PowersOfRatioToMaxShort(p, exponent, dst, normalize);
    }

    // A short row is padded to one vector with zeros, which change neither the max nor the sum.
    private static void PowersOfRatioToMaxShort(ReadOnlySpan<float> p, double exponent, Span<float> dst, bool normalize)
    {
        Span<float> padded = stackalloc float[Vector<float>.Count];
        padded.Clear();
        p.CopyTo(padded);
        PowersOfRatioToMaxWide(padded, exponent, padded, normalize);
        padded[..p.Length].CopyTo(dst);
    }

    // p.Length >= Vector<float>.Count. A length that is not a multiple of the width ends with one vector
    // that overlaps the previous one; its overlapping lanes are left out of the sum, and it is loaded
    // before anything is stored so that dst may be p.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PowersOfRatioToMaxWide(ReadOnlySpan<float> p, double exponent, Span<float> dst, bool normalize)
    {
        int width = Vector<float>.Count;
        int last = p.Length - width;
        ref float src = ref MemoryMarshal.GetReference(p);
        ref float dest = ref MemoryMarshal.GetReference(dst);

        var tail = Vector.LoadUnsafe(ref src, (nuint)last);
        var max = tail;
        for (int i = 0; i < last; i += width)
            max = Vector.MaxNative(max, Vector.LoadUnsafe(ref src, (nuint)i));
        // The reciprocal times p (not p / max) is what NormalizeLpNorm(Infinity) computes in the saved chain.
        var toRatio = Vector<float>.One / AllLanesMax(max);
        var y = new Vector<float>((float)Math.Min(exponent, float.MaxValue));

        var sum = Vector<float>.Zero;
        int end = 0;
        for (; end <= last; end += width)
        {
            var e = Power(Vector.LoadUnsafe(ref src, (nuint)end) * toRatio, exponent, y);
            sum += e;
            e.StoreUnsafe(ref dest, (nuint)end);
        }
        bool overlaps = end < p.Length;
        var eTail = Vector<float>.Zero;
        if (overlaps)
        {
            eTail = Power(tail * toRatio, exponent, y);
            var counted = Vector.LessThan(Vector<int>.Indices, new Vector<int>(end - last));
            sum += Vector.ConditionalSelect(counted, Vector<float>.Zero, eTail);
        }
        if (normalize)
        {
            var toSumOne = Vector<float>.One / AllLanesSum(sum);
            for (int i = 0; i < end; i += width)
                (Vector.LoadUnsafe(ref dest, (nuint)i) * toSumOne).StoreUnsafe(ref dest, (nuint)i);
            eTail *= toSumOne;
        }
        // Stored last (the overlapping lanes get the same values again): reloading them instead would read
        // across two earlier stores, which the CPU cannot forward.
        if (overlaps)
            eTail.StoreUnsafe(ref dest, (nuint)last);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Power(Vector<float> r, double exponent, Vector<float> y) =>
        exponent == 1 ? r : exponent == 2 ? r * r : PowerOfUnitInterval(r, y);

    /// <summary>
    /// <c>r^y = 2^(y · log2 r)</c> for 0 ≤ r ≤ 1 and finite y ≥ 0, lane by lane in float (0 for r = 0;
    /// powers below 2⁻¹²⁶ are flushed to 0). Error bound: see <see cref="Sharpen"/>.
    /// </summary>
    /// <remarks>
    /// A row mapper computes one row at a time, so what counts is the length of the dependency chain, not
    /// the instruction count: the polynomials are evaluated in Estrin's scheme (independent multiply-adds
    /// side by side) and log2 has no division. Their coefficients were fitted for this kernel (weighted
    /// least squares with Lawson iterations, i.e. near-minimax in relative error) and rounded to float;
    /// rounded, they are within 0.35·2⁻²⁴ of log2(1+f)/f and (2^g − 1)/g on the reduced intervals.
    /// Multiply-adds are fused, which is exact IEEE arithmetic on every platform, so the result does not
    /// depend on the CPU.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> PowerOfUnitInterval(Vector<float> r, Vector<float> y)
    {
        // r = 2^k · m with m in [√½, √2), so that log2 m is small and accurate near r = 1 (k = 0 there).
        // Scaling by 2^24 first makes every subnormal r normal, so the exponent field is k for all r > 0.
        // Adding the bit pattern of 1.0 minus that of √½ carries into the exponent field exactly when the
        // mantissa is ≥ √2, which moves m into [√½, √2) without a compare.
        var bits = Vector.AsVectorInt32(r * new Vector<float>(16777216f)) + new Vector<int>(0x3F800000 - 0x3F3504F3);
        var k = Vector.ShiftRightArithmetic(bits, 23) - new Vector<int>(127 + 24);
        var f = Vector.AsVectorSingle((bits & new Vector<int>(0x007FFFFF)) + new Vector<int>(0x3F3504F3)) - Vector<float>.One;

        // log2(1 + f) = f · Q(f), Q of degree 9 on f in [√½ − 1, √2 − 1]; m − 1 is exact.
        var f2 = f * f;
        var q01 = Vector.FusedMultiplyAdd(new Vector<float>(-0.72134733f), f, new Vector<float>(1.442695f));
        var q23 = Vector.FusedMultiplyAdd(new Vector<float>(-0.36069664f), f, new Vector<float>(0.48089823f));
        var q45 = Vector.FusedMultiplyAdd(new Vector<float>(-0.23961738f), f, new Vector<float>(0.28856733f));
        var q67 = Vector.FusedMultiplyAdd(new Vector<float>(-0.19106434f), f, new Vector<float>(0.204602f));
        var q89 = Vector.FusedMultiplyAdd(new Vector<float>(-0.1099369f), f, new Vector<float>(0.18616739f));
        var f4 = f2 * f2;
        var q03 = Vector.FusedMultiplyAdd(q23, f2, q01);
        var q47 = Vector.FusedMultiplyAdd(q67, f2, q45);
        var q07 = Vector.FusedMultiplyAdd(q47, f4, q03);
        var q = Vector.FusedMultiplyAdd(q89, f4 * f4, q07);
        // z = y · log2 r = y·f · Q + y·k: |log2 m| ≤ ½ ≤ |k| unless k = 0, so the sum does not cancel.
        var z = Vector.FusedMultiplyAdd(y * f, q, y * Vector.ConvertToSingle(k));

        // 2^z = 2^n · 2^g, n = round(z), |g| ≤ ½. Adding 1.5·2^23 rounds z to an integer (|z| < 2^22 where
        // it matters) and leaves n in the low mantissa bits; g is then exact.
        var rounded = z + new Vector<float>(12582912f);
        var g = z - (rounded - new Vector<float>(12582912f));
        // 2^g = 1 + g · P(g), P of degree 5; the constant term is exactly 1, so z = 0 gives exactly 1.
        var g2 = g * g;
        var p01 = Vector.FusedMultiplyAdd(new Vector<float>(0.6931472f), g, Vector<float>.One);
        var p23 = Vector.FusedMultiplyAdd(new Vector<float>(0.055503324f), g, new Vector<float>(0.24022648f));
        var p45 = Vector.FusedMultiplyAdd(new Vector<float>(0.0013398875f), g, new Vector<float>(0.009618437f));
        var p03 = Vector.FusedMultiplyAdd(p23, g2, p01);
        var p46 = Vector.FusedMultiplyAdd(new Vector<float>(0.00015353362f), g2, p45);
        var exp2G = Vector.FusedMultiplyAdd(p46, g2 * g2, p03);
        // 2^n as float bits: shifting the rounded value left by 23 keeps only n's bits in the exponent field.
        var exp2N = Vector.AsVectorSingle(Vector.ShiftLeft(Vector.AsVectorInt32(rounded), 23) + new Vector<int>(0x3F800000));

        var representable = Vector.GreaterThanOrEqual(z, new Vector<float>(-126f)) & ~Vector.Equals(r, Vector<float>.Zero);
        return Vector.ConditionalSelect(representable, exp2G * exp2N, Vector<float>.Zero);
    }

    // Butterfly reductions: every lane ends up holding the result, so no scalar round trip and broadcast
    // is needed before it is used. The sum's order is therefore pairwise across lanes.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> AllLanesMax(Vector<float> v)
    {
        if (Vector<float>.Count == Vector512<float>.Count)
        {
            var x = v.AsVector512();
            x = Vector512.MaxNative(x, Vector512.Shuffle(x, Vector512.Create(8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7)));
            x = Vector512.MaxNative(x, Vector512.Shuffle(x, Vector512.Create(4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11)));
            x = Vector512.MaxNative(x, Vector512.Shuffle(x, Vector512.Create(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13)));
            return Vector512.MaxNative(x, Vector512.Shuffle(x, Vector512.Create(1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14))).AsVector();
        }
        if (Vector<float>.Count == Vector256<float>.Count)
        {
            var x = v.AsVector256();
            x = Vector256.MaxNative(x, Vector256.Shuffle(x, Vector256.Create(4, 5, 6, 7, 0, 1, 2, 3)));
            x = Vector256.MaxNative(x, Vector256.Shuffle(x, Vector256.Create(2, 3, 0, 1, 6, 7, 4, 5)));
            return Vector256.MaxNative(x, Vector256.Shuffle(x, Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6))).AsVector();
        }
        if (Vector<float>.Count == Vector128<float>.Count)
        {
            var x = v.AsVector128();
            x = Vector128.MaxNative(x, Vector128.Shuffle(x, Vector128.Create(2, 3, 0, 1)));
            return Vector128.MaxNative(x, Vector128.Shuffle(x, Vector128.Create(1, 0, 3, 2))).AsVector();
        }
        float max = v[0];
        for (int i = 1; i < Vector<float>.Count; i++)
            max = Math.Max(max, v[i]);
        return new Vector<float>(max);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> AllLanesSum(Vector<float> v)
    {
        if (Vector<float>.Count == Vector512<float>.Count)
        {
            var x = v.AsVector512();
            x += Vector512.Shuffle(x, Vector512.Create(8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7));
            x += Vector512.Shuffle(x, Vector512.Create(4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11));
            x += Vector512.Shuffle(x, Vector512.Create(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13));
            return (x + Vector512.Shuffle(x, Vector512.Create(1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14))).AsVector();
        }
        if (Vector<float>.Count == Vector256<float>.Count)
        {
            var x = v.AsVector256();
            x += Vector256.Shuffle(x, Vector256.Create(4, 5, 6, 7, 0, 1, 2, 3));
            x += Vector256.Shuffle(x, Vector256.Create(2, 3, 0, 1, 6, 7, 4, 5));
            return (x + Vector256.Shuffle(x, Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6))).AsVector();
        }
        if (Vector<float>.Count == Vector128<float>.Count)
        {
            var x = v.AsVector128();
            x += Vector128.Shuffle(x, Vector128.Create(2, 3, 0, 1));
            return (x + Vector128.Shuffle(x, Vector128.Create(1, 0, 3, 2))).AsVector();
        }
        return new Vector<float>(Vector.Sum(v));
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

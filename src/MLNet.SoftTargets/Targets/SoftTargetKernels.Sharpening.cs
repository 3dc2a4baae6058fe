using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MLNet.SoftTargets;

// The vectorised powers behind Sharpen.
public static partial class SoftTargetKernels
{
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

    /// <summary>
    /// <see cref="IsProbabilityRow"/> and, when it holds, <see cref="Sharpen"/> at T = 1/2 in two passes: the first checks
    /// the row and takes its maximum and its sum of squares side by side, the second writes <c>p_k² · (1/Σp²)</c>. That is
    /// <c>(p/max)² / Σ(p/max)²</c> without the division by the maximum, which only guards against overflow and
    /// underflow of the squares; rows whose maximum lies outside [10⁻¹⁵, 10¹⁵] take the general kernel (inside it,
    /// a square that underflows is below 10⁻⁸ of the largest one and rounds away in the normalised row anyway).
    /// </summary>
    /// <returns>False, leaving <paramref name="dst"/> as it was, when <paramref name="p"/> is not a probability row.</returns>
    internal static bool TrySharpenSquared(ReadOnlySpan<float> p, Span<float> dst)
    {
        int width = Vector<float>.Count;
        if (p.Length < width)
        {
            if (!IsProbabilityRow(p))
                return false;
            PowersOfRatioToMax(p, 2, dst, normalize: true);
            return true;
        }
        int last = p.Length - width;
        ref float src = ref MemoryMarshal.GetReference(p);
        var infinity = new Vector<float>(float.PositiveInfinity);
        var valid = Vector<int>.AllBitsSet;
        var positive = Vector<int>.Zero;
        var max = Vector<float>.Zero;
        var sum = Vector<float>.Zero;
        int end = 0;
        for (; end <= last; end += width)
        {
            var v = Vector.LoadUnsafe(ref src, (nuint)end);
            valid &= Vector.GreaterThanOrEqual(v, Vector<float>.Zero) & Vector.LessThan(v, infinity);
            positive |= Vector.GreaterThan(v, Vector<float>.Zero);
            max = Vector.Max(max, v);
            sum += v * v;
        }
        var tail = Vector.LoadUnsafe(ref src, (nuint)last);
        if (end < p.Length)
        {
            valid &= Vector.GreaterThanOrEqual(tail, Vector<float>.Zero) & Vector.LessThan(tail, infinity);
            positive |= Vector.GreaterThan(tail, Vector<float>.Zero);
            max = Vector.Max(max, tail);
            var counted = Vector.LessThan(Vector<int>.Indices, new Vector<int>(end - last));
            sum += Vector.ConditionalSelect(counted, Vector<float>.Zero, tail * tail);
        }
        if (!Vector.EqualsAll(valid, Vector<int>.AllBitsSet) || Vector.EqualsAll(positive, Vector<int>.Zero))
            return false;
        float top = AllLanesMax(max)[0];
        if (!(top >= 1e-15f && top <= 1e15f))
        {
            PowersOfRatioToMax(p, 2, dst, normalize: true);
            return true;
        }
        var scale = Vector<float>.One / AllLanesSum(sum);
        ref float dest = ref MemoryMarshal.GetReference(dst);
        for (int i = 0; i < end; i += width)
        {
            var v = Vector.LoadUnsafe(ref src, (nuint)i);
            (v * v * scale).StoreUnsafe(ref dest, (nuint)i);
        }
        if (end < p.Length)
            (tail * tail * scale).StoreUnsafe(ref dest, (nuint)last);
        return true;
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
}

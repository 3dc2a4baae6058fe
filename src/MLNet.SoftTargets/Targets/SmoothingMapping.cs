using Microsoft.ML;
using Microsoft.ML.Transforms;
using MLNet.SoftTargets.Persistence;

namespace MLNet.SoftTargets;

/// <summary>
/// Label smoothing as an affine map of the (normalised) target distribution p:
/// <c>q = a·p + b</c> with one a and b for <see cref="LabelSmoothingKind.OffTarget"/> and
/// <see cref="LabelSmoothingKind.Uniform"/>, and a per-class b for <see cref="LabelSmoothingKind.ClassPrior"/>.
/// </summary>
internal sealed class SmoothingMapping : SoftTargetMapping
{
    private readonly LabelSmoothingKind _kind;
    private readonly float _scale;
    private readonly float _offset;
    private readonly float[]? _targetOffsets;
    private float[]? _slotOffset;
    private float[]? _slotScale;

    public SmoothingMapping(int classCount, double alpha, LabelSmoothingKind kind, IReadOnlyList<double>? prior)
        : base(classCount)
    {
        _kind = kind;
        switch (kind)
        {
            case LabelSmoothingKind.OffTarget:
                // True class 1-α, others α/(K-1): q = p·(1 - α - α/(K-1)) + α/(K-1).
                _offset = (float)(alpha / (classCount - 1));
                _scale = ScaleGiving((float)(1 - alpha), _offset);
                break;
            case LabelSmoothingKind.Uniform:
                _offset = (float)(alpha / classCount);
                _scale = ScaleGiving((float)(1 - alpha + alpha / classCount), _offset);
                break;
            case LabelSmoothingKind.ClassPrior:
                _scale = (float)(1 - alpha);
                _targetOffsets = prior!.Select(p => (float)(alpha * p)).ToArray();
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown label smoothing kind.");
        }
    }

    /// <summary>
    /// The float a with <c>1·a + b == target</c> in float arithmetic, so the true class of a one-hot row gets
    /// exactly the float nearest its formula (e.g. 1-α) rather than a value a rounding step away.
    /// </summary>
    private static float ScaleGiving(float target, float offset)
    {
        float scale = target - offset;
        for (int step = 0; step < 4 && scale + offset != target; step++)
            scale = scale + offset < target ? MathF.BitIncrement(scale) : MathF.BitDecrement(scale);
        return scale;
    }

    public override void MapDistribution(ReadOnlySpan<float> p, Span<float> dst)
    {
        SoftTargetKernels.NormalizeSum(p, dst);
        MapOneHot(dst, dst);
    }

    public override void MapOneHot(ReadOnlySpan<float> oneHot, Span<float> dst)
    {
        if (_kind == LabelSmoothingKind.ClassPrior)
        {
            if (_slotOffset is null || _slotScale is null)
                throw new InvalidOperationException("The class-prior map is set up with its built-in equivalent; build that first.");
            SoftTargetKernels.ShiftScale(oneHot, _slotOffset, _slotScale, dst);
        }
        else
        {
            SoftTargetKernels.Affine(oneHot, _scale, _offset, dst);
        }
    }

    public override (string Column, string Expression) AppendBuiltIns(BuiltInChainBuilder chain, string source, bool sourceIsOneHot)
    {
        string column = source;
        if (!sourceIsOneHot)
        {
            column = chain.Intermediate("normalized");
            chain.Add(chain.Context.Transforms.NormalizeLpNorm(column, source, LpNormNormalizingEstimatorBase.NormFunction.L1, ensureZeroMean: false));
        }
        if (_kind != LabelSmoothingKind.ClassPrior)
            return (column, $"x * {Literal(_scale)} + {Literal(_offset)}");

        var scales = Enumerable.Repeat(_scale, ClassCount).ToArray();
        (column, _slotOffset, _slotScale) = chain.AddSlotAffine(column, scales, _targetOffsets!);
        return (column, "x");
    }
}

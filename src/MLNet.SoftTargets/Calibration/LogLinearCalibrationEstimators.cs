using Microsoft.ML;

namespace MLNet.SoftTargets;

/// <summary>
/// Vector scaling (Guo et al. 2017) on any multiclass model's probabilities: <c>softmax(w ⊙ log p + b)</c>, w and b
/// (K each) fitted by the mean log-loss on the data <c>Fit</c> is given (use held-out data). Created by
/// <c>mlContext.Transforms.CalibrateVectorScaling(...)</c>.
/// </summary>
public sealed class CalibrateVectorScalingEstimator : ScoreCalibrationEstimator<LogLinearCalibrationTransformer>
{
    /// <summary>Creates the estimator.</summary>
    /// <exception cref="ArgumentException">A column name is null or empty.</exception>
    public CalibrateVectorScalingEstimator(string labelColumnName = "Label", string scoreColumnName = "Score")
        : base(labelColumnName, scoreColumnName)
    {
    }

    /// <summary>Fits w and b on <paramref name="input"/>'s labelled rows.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type.</exception>
    /// <exception cref="InvalidOperationException">No labelled rows, or a Score row that is not a distribution.</exception>
    public override LogLinearCalibrationTransformer Fit(IDataView input) =>
        LogLinearCalibrationData.Fit(input, LabelColumnName, ScoreColumnName, diagonal: true, 0, 0, "VectorScaling");
}

/// <summary>
/// Dirichlet calibration (Kull et al., NeurIPS 2019) on any multiclass model's probabilities: <c>softmax(W · log p + b)</c>
/// with a full K×K matrix, fitted by the mean log-loss on the data <c>Fit</c> is given (use held-out data) plus the ODIR
/// penalty <c>λ/(K(K−1))·Σ_{i≠j} W_ij² + μ/K·Σ_j b_j²</c> (λ = <see cref="OffDiagonalL2"/>, μ = <see cref="InterceptL2"/>),
/// which pulls W towards a diagonal (vector scaling) and b towards 0. Created by
/// <c>mlContext.Transforms.CalibrateDirichlet(...)</c>.
/// </summary>
public sealed class CalibrateDirichletEstimator : ScoreCalibrationEstimator<LogLinearCalibrationTransformer>
{
    /// <summary>Creates the estimator.</summary>
    /// <exception cref="ArgumentException">A column name is null or empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A regularisation strength is negative or not finite.</exception>
    public CalibrateDirichletEstimator(string labelColumnName = "Label", string scoreColumnName = "Score", double offDiagonalL2 = 1e-3, double interceptL2 = 1e-3)
        : base(labelColumnName, scoreColumnName)
    {
        if (!(offDiagonalL2 >= 0 && double.IsFinite(offDiagonalL2)))
            throw new ArgumentOutOfRangeException(nameof(offDiagonalL2), offDiagonalL2, "offDiagonalL2 must be a finite number ≥ 0.");
        if (!(interceptL2 >= 0 && double.IsFinite(interceptL2)))
            throw new ArgumentOutOfRangeException(nameof(interceptL2), interceptL2, "interceptL2 must be a finite number ≥ 0.");
        OffDiagonalL2 = offDiagonalL2;
        InterceptL2 = interceptL2;
    }

    /// <summary>λ, on the off-diagonal entries of W.</summary>
    public double OffDiagonalL2 { get; }

    /// <summary>μ, on b.</summary>
    public double InterceptL2 { get; }

    /// <summary>Fits W and b on <paramref name="input"/>'s labelled rows.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type.</exception>
    /// <exception cref="InvalidOperationException">No labelled rows, or a Score row that is not a distribution.</exception>
    public override LogLinearCalibrationTransformer Fit(IDataView input) =>
        LogLinearCalibrationData.Fit(input, LabelColumnName, ScoreColumnName, diagonal: false, OffDiagonalL2, InterceptL2, "Dirichlet");
}

/// <summary>Reads the labelled (log p, label) rows and fits a log-linear map.</summary>
internal static class LogLinearCalibrationData
{
    public static LogLinearCalibrationTransformer Fit(IDataView input, string labelColumnName, string scoreColumnName, bool diagonal,
        double offDiagonalL2, double interceptL2, string kind)
    {
        ArgumentNullException.ThrowIfNull(input);
        var (logP, labels, k) = CalibrationData.LogProbabilities(input, labelColumnName, scoreColumnName, LogLinearFit.ProbabilityFloor);
        var (w, b) = LogLinearFit.Fit(logP, labels, k, diagonal, offDiagonalL2, interceptL2);
        var score = SoftTargetInputColumn.FromSchema(input.Schema, scoreColumnName, nameof(scoreColumnName));
        return new LogLinearCalibrationTransformer(score, w, b, kind);
    }
}

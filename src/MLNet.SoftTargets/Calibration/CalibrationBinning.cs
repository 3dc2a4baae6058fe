namespace MLNet.SoftTargets;

/// <summary>How <c>EvaluateCalibration</c> bins the top-1 confidences for ECE, MCE and the reliability diagram.</summary>
public enum CalibrationBinning
{
    /// <summary>B equal-width intervals <c>((b−1)/B, b/B]</c> of [0, 1] (the first also holds 0) — Guo et al. 2017.</summary>
    EqualWidth,

    /// <summary>
    /// Equal mass (adaptive binning, Nixon et al. 2019): the confidences sorted ascending (ties in row order) and cut into B
    /// contiguous groups whose sizes differ by at most one, the larger groups first — numpy's <c>array_split</c> of the
    /// sorted rows. With fewer rows than bins the last groups are empty.
    /// </summary>
    EqualMass,
}

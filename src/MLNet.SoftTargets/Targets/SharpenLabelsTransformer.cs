namespace MLNet.SoftTargets;

/// <summary>
/// Fitted sharpening / temperature softening: writes <c>p_k^(1/T) / Σ_j p_j^(1/T)</c> into a
/// <c>Vector&lt;Single, K&gt;</c> column (a key input gives its one-hot row).
/// Created by <c>mlContext.Transforms.SharpenLabels(...)</c>.
/// </summary>
public sealed class SharpenLabelsTransformer : SoftTargetTransformerBase
{
    internal SharpenLabelsTransformer(SoftTargetInputColumn input, string outputColumnName, double temperature)
        : base(input, outputColumnName, new SharpeningMapping(input.ClassCount, temperature)) => Temperature = temperature;

    /// <summary>T: below 1 sharpens, 1 only normalises, above 1 softens.</summary>
    public double Temperature { get; }
}

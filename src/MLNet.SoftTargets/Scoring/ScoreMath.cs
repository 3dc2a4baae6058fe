using System.Numerics.Tensors;

namespace MLNet.SoftTargets.Scoring;

/// <summary>From logits to what a multiclass model outputs: probabilities and the predicted key.</summary>
internal static class ScoreMath
{
    /// <summary>Rows up to this many classes take the scalar softmax.</summary>
    private const int SmallRow = 16;

    /// <summary>
    /// <c>softmax(z / T)</c> in float, the row maximum subtracted first (as ONNX Runtime's Softmax does), so large logits
    /// do not overflow. A NaN logit makes every probability NaN.
    /// </summary>
    public static void Softmax(ReadOnlySpan<float> logits, float inverseTemperature, Span<float> probabilities)
    {
        if (logits.Length <= SmallRow)
        {
            // A few classes: one scalar pass each is cheaper than a chain of vectorised calls.
            float max = float.NegativeInfinity;
            for (int k = 0; k < logits.Length; k++)
            {
                float z = inverseTemperature == 1f ? logits[k] : logits[k] * inverseTemperature;
                probabilities[k] = z;
                max = float.IsNaN(z) || z > max ? z : max;
            }
            float sum = 0;
            for (int k = 0; k < probabilities.Length; k++)
            {
                float e = MathF.Exp(probabilities[k] - max);
                probabilities[k] = e;
                sum += e;
            }
            float scale = 1f / sum;
            for (int k = 0; k < probabilities.Length; k++)
                probabilities[k] *= scale;
            return;
        }
        if (inverseTemperature == 1f)
            logits.CopyTo(probabilities);
        else
            TensorPrimitives.Multiply(logits, inverseTemperature, probabilities);
        float rowMax = TensorPrimitives.Max(probabilities);
        TensorPrimitives.Subtract(probabilities, rowMax, probabilities);
        TensorPrimitives.Exp(probabilities, probabilities);
        TensorPrimitives.Divide(probabilities, TensorPrimitives.Sum(probabilities), probabilities);
    }

    /// <summary>
    /// A row's feature vector must have the column type's size: a view can hand out vectors of another length than its
    /// type declares (<c>LoadFromEnumerable</c> with a <c>[VectorType]</c> size the arrays do not have).
    /// </summary>
    /// <exception cref="InvalidOperationException">It has another length.</exception>
    public static void CheckLength(int actual, int expected, long row, string column)
    {
        if (actual != expected)
            throw new InvalidOperationException($"Column '{column}' row {row}: the feature vector has {actual} values but its column type says {expected}; every row must have the type's size.");
    }

    /// <summary>
    /// Whether every feature is finite. The vectorised sum of squares is finite for almost every valid row; only when it is not
    /// (a NaN or infinite feature, or a finite overflow) are the features checked one by one.
    /// </summary>
    public static bool AllFinite(ReadOnlySpan<float> features)
    {
        if (float.IsFinite(TensorPrimitives.Dot(features, features)))
            return true;
        foreach (var v in features)
        {
            if (!float.IsFinite(v))
                return false;
        }
        return true;
    }

    /// <summary>
    /// The predicted key, as ML.NET's multiclass scorers give it: 1 + the index of the first largest probability, or 0
    /// (missing) when the scores are NaN — e.g. for a row with NaN or infinite features.
    /// </summary>
    public static uint PredictedKey(ReadOnlySpan<float> probabilities)
    {
        int best = 0;
        for (int k = 0; k < probabilities.Length; k++)
        {
            if (float.IsNaN(probabilities[k]))
                return 0;
            if (probabilities[k] > probabilities[best])
                best = k;
        }
        return (uint)best + 1;
    }
}

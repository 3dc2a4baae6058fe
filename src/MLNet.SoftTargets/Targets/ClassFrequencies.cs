using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets;

/// <summary>Counts the class prior for <see cref="LabelSmoothingKind.ClassPrior"/> smoothing.</summary>
internal static class ClassFrequencies
{
    /// <summary>
    /// Key input: the frequency of each class among rows with a present key. Vector input: the mean of
    /// the normalised probability rows. Missing rows are skipped.
    /// </summary>
    /// <exception cref="InvalidOperationException">No row is non-missing.</exception>
    public static double[] Count(IDataView data, SoftTargetInputColumn input)
    {
        int k = input.ClassCount;
        var totals = new double[k];
        long rows = 0;
        var column = data.Schema[input.Name];
        using var cursor = data.GetRowCursor([column]);
        if (input.IsKey)
        {
            var getter = cursor.GetGetter<uint>(column);
            uint key = 0;
            while (cursor.MoveNext())
            {
                getter(ref key);
                if (key == 0)
                    continue;
                totals[key - 1]++;
                rows++;
            }
        }
        else
        {
            var getter = cursor.GetGetter<VBuffer<float>>(column);
            var row = default(VBuffer<float>);
            var dense = new float[k];
            while (cursor.MoveNext())
            {
                getter(ref row);
                row.CopyTo(dense);
                if (!SoftTargetKernels.IsProbabilityRow(dense))
                    continue;
                SoftTargetKernels.NormalizeSum(dense, dense);
                for (int i = 0; i < k; i++)
                    totals[i] += dense[i];
                rows++;
            }
        }
        if (rows == 0)
            throw new InvalidOperationException(
                $"Column '{input.Name}' has no non-missing rows, so the class prior for ClassPrior smoothing cannot be counted.");
        for (int i = 0; i < k; i++)
            totals[i] /= rows;
        return totals;
    }
}

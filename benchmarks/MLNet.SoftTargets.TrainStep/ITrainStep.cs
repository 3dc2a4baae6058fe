namespace MLNet.SoftTargets.TrainStep;

/// <summary>
/// What <see cref="Harness"/> races: something that owns a model, its parameters and optimizer state, and performs one
/// full training step per <see cref="Step"/> call. The MLP contestants (<see cref="ITrainStepContestant"/>) and the
/// fine-tuning benchmark's contestants (benchmarks/MLNet.SoftTargets.FineTuneStep) implement it.
/// </summary>
public interface ITrainStep : IDisposable
{
    /// <summary>The name shown in the results table.</summary>
    string Name { get; }

    /// <summary>One training step: forward, loss, gradients and the Adam update.</summary>
    /// <param name="x">Inputs, row-major <c>[rows, inputSize]</c>; exactly <c>rows × inputSize</c> long.</param>
    /// <param name="q">Soft targets, row-major <c>[rows, classes]</c>, each row summing to 1.</param>
    /// <param name="rows">Rows in this batch, 1 ≤ rows ≤ the batch size the contestant was built for.</param>
    /// <returns>The batch loss before the update.</returns>
    float Step(float[] x, float[] q, int rows);
}

/// <summary>One batch, already laid out the way <see cref="ITrainStep.Step"/> takes it.</summary>
public sealed record Batch(float[] X, float[] Q, int Rows)
{
    /// <summary>
    /// Rows 0..<paramref name="rows"/>-1 of <paramref name="x"/> (row-major, <paramref name="features"/> wide) cut into
    /// ⌈rows / batch⌉ batches in order (the last one may be partial), with the soft targets <c>(1-α)·onehot + α/K</c> of
    /// the labels <paramref name="y"/>.
    /// </summary>
    public static List<Batch> Cut(float[] x, byte[] y, int rows, int batch, int features, int classes, float alpha)
    {
        float off = alpha / classes;
        float on = 1f - alpha + off;
        var batches = new List<Batch>();
        for (int start = 0; start < rows; start += batch)
        {
            int n = Math.Min(batch, rows - start);
            var bq = new float[n * classes];
            for (int r = 0; r < n; r++)
            {
                bq.AsSpan(r * classes, classes).Fill(off);
                bq[r * classes + y[start + r]] = on;
            }
            batches.Add(new Batch(x.AsSpan(start * features, n * features).ToArray(), bq, n));
        }
        return batches;
    }
}

using MLNet.SoftTargets.TrainStep;

namespace MLNet.SoftTargets.FineTuneStep;

/// <summary>
/// Both contestants, from the same weights, run the same first steps on the same batches; their losses must agree to
/// a relative 1e-3 and their updated parameters must be close: per tensor, the difference of the two updates
/// (parameter − initial) relative to the size of TorchSharp's update, ‖Δours − Δtorch‖₂ / ‖Δtorch‖₂ ≤ 5e-2.
/// Adam's first steps are nearly sign steps (each coordinate moves by ≈ lr whatever its gradient's size), so gradient
/// rounding of relative size ε flips the steps of the coordinates whose gradient is below ≈ ε·RMS, and the relative
/// update difference grows like 2·√ε: ≈ 3e-3 for the im2col GEMM form (ε ≈ 1e-6), ≈ 1.5e-2 for our Winograd
/// F(4×4, 3×3) convolutions (ε ≈ 2e-5, as in oneDNN's and cuDNN's Winograd kernels), and the next losses follow
/// (≈ 3e-4). A wrong gradient flips about half the signs: an update difference near 1. The max column shows the
/// worst coordinate.
/// </summary>
internal static class CorrectnessCheck
{
    public const double LossTolerance = 1e-3;
    public const double UpdateTolerance = 5e-2;

    public static bool Run(OnnxBlockContestant ours, TorchSharpBlockContestant torchSharp, IReadOnlyDictionary<string, float[]> initial,
        IReadOnlyList<Batch> batches, int steps)
    {
        Console.WriteLine($"## Correctness check: {steps} step(s) from the same weights on batches 0..{steps - 1}");
        Console.WriteLine();
        Console.WriteLine("| step | loss ours | loss TorchSharp | relative difference |");
        Console.WriteLine("|---:|---:|---:|---:|");
        bool ok = true;
        for (int s = 0; s < steps; s++)
        {
            var batch = batches[s % batches.Count];
            float a = ours.Step(batch.X, batch.Q, batch.Rows);
            float b = torchSharp.Step(batch.X, batch.Q, batch.Rows);
            double relative = Math.Abs(a - b) / Math.Max(Math.Abs(b), 1e-30);
            ok &= relative <= LossTolerance;
            Console.WriteLine($"| {s + 1} | {a:G9} | {b:G9} | {relative:E2} |");
        }
        Console.WriteLine();
        Console.WriteLine($"| parameter | values | ‖Δtorch‖₂ | ‖Δours − Δtorch‖₂ / ‖Δtorch‖₂ | max \\|ours − torch\\| | max \\|Δtorch\\| |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        var mine = ours.Parameters();
        var theirs = torchSharp.Parameters();
        foreach (var (name, start) in initial)
        {
            double update = 0, difference = 0, maxDifference = 0, maxUpdate = 0;
            var o = mine[name];
            var t = theirs[name];
            for (int i = 0; i < start.Length; i++)
            {
                double dt = t[i] - (double)start[i], d = o[i] - (double)t[i];
                update += dt * dt;
                difference += d * d;
                maxDifference = Math.Max(maxDifference, Math.Abs(d));
                maxUpdate = Math.Max(maxUpdate, Math.Abs(dt));
            }
            double relative = Math.Sqrt(difference) / Math.Max(Math.Sqrt(update), 1e-30);
            ok &= relative <= UpdateTolerance;
            Console.WriteLine($"| {name} | {start.Length:N0} | {Math.Sqrt(update):E3} | {relative:E2} | {maxDifference:E2} | {maxUpdate:E2} |");
        }
        Console.WriteLine();
        Console.WriteLine(ok
            ? $"**Correctness check passed** (losses within {LossTolerance:0e0} relative, every update within {UpdateTolerance:0e0} relative)."
            : $"**Correctness check FAILED** (tolerances: losses {LossTolerance:0e0} relative, updates {UpdateTolerance:0e0} relative).");
        return ok;
    }
}

using MLNet.SoftTargets.TrainStep;

namespace MLNet.SoftTargets.FineTuneStep;

/// <summary>
/// Both contestants, from the same weights, run the same first steps on the same batches; their losses must agree to
/// a relative 1e-4 and their updated parameters must be close: per tensor, the difference of the two updates
/// (parameter − initial) relative to the size of TorchSharp's update, ‖Δours − Δtorch‖₂ / ‖Δtorch‖₂ ≤ 1e-2.
/// (Adam normalises each coordinate's step to about lr, so a coordinate whose gradient is near 0 can step differently
/// on float noise alone; the relative norm bounds the whole update, the max column shows the worst coordinate.)
/// </summary>
internal static class CorrectnessCheck
{
    public const double LossTolerance = 1e-4;
    public const double UpdateTolerance = 1e-2;

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

using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using MLNet.SoftTargets.Engine;
using MLNet.SoftTargets.Graphs;
using static TorchSharp.torch;

namespace MLNet.SoftTargets.FineTuneStep;

/// <summary>
/// <c>--kernels</c>: the step's largest kernels alone, ONNX Runtime (MLAS) against libtorch, same shapes, same 2 threads,
/// alternating. The five GEMMs of our step (forward W·cols, dW = dY·colsᵀ, dX = W̃·cols(dY); 512 × 4608 × 3136 each)
/// and the 3×3 convolution TorchSharp runs instead (forward, on [64, 512, 7, 7]). It answers whether the gap of the
/// whole step is in our graph or in the kernels underneath it.
/// </summary>
internal static class KernelProbe
{
    private const int M = 512, K = 4608, Cols = FineTuneJob.Batch * 49;

    public static void Run(int rounds)
    {
        var rng = new Random(7);
        float[] Random(long n) { var a = new float[n]; for (long i = 0; i < n; i++) a[i] = (float)(rng.NextDouble() * 2 - 1); return a; }
        var a = Random((long)M * K);       // W [512, 4608]
        var b = Random((long)K * Cols);    // cols [4608, 3136]
        var dy = Random((long)M * Cols);   // dY [512, 3136]
        var x = Random((long)FineTuneJob.Batch * 512 * 49);
        var w = Random(512L * 512 * 9);

        var cases = new List<(string Name, Func<double> Ort, Func<double> Torch)>();
        cases.Add(Gemm("W·cols (forward, dX)", [M, K], a, [K, Cols], b, transB: false, [M, Cols]));
        cases.Add(Gemm("dY·colsᵀ (dW)", [M, Cols], dy, [K, Cols], b, transB: true, [M, K]));
        cases.Add(Conv(x, w));

        Console.WriteLine($"## Kernels alone ({rounds} rounds, alternating; median ms; 2 threads)");
        Console.WriteLine();
        Console.WriteLine("| kernel | ONNX Runtime ms | libtorch ms | libtorch / ORT speed |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var (name, ort, torchRun) in cases)
        {
            ort(); torchRun();   // warm-up
            var o = new List<double>(); var t = new List<double>();
            for (int r = 0; r < rounds; r++)
            {
                if (r % 2 == 0) { o.Add(ort()); t.Add(torchRun()); }
                else { t.Add(torchRun()); o.Add(ort()); }
            }
            double om = Median(o), tm = Median(t);
            Console.WriteLine($"| {name} | {om:F1} | {tm:F1} | {om / tm:F2}× |");
        }
        Console.WriteLine();
    }

    private static double Median(List<double> v) { v.Sort(); return v[v.Count / 2]; }

    private static (string, Func<double>, Func<double>) Gemm(string name, long[] aShape, float[] a, long[] bShape, float[] b, bool transB, long[] outShape)
    {
        var g = new GraphBuilder();
        string ai = g.AddInput("a", aShape), bi = g.AddInput("b", bShape);
        g.AddOutput(g.Gemm(ai, bi, transB: transB), "y");
        var ort = OrtRunner(g, [("a", a, aShape), ("b", b, bShape)], outShape);
        var ta = tensor(a, aShape); var tb = tensor(b, bShape);
        var tbb = transB ? tb.t() : tb;
        return ($"{name} [{string.Join("×", outShape)}]", ort, () =>
        {
            var s = Stopwatch.StartNew();
            using var y = mm(ta, tbb);
            return s.Elapsed.TotalMilliseconds;
        });
    }

    private static (string, Func<double>, Func<double>) Conv(float[] x, float[] w)
    {
        long[] xs = [FineTuneJob.Batch, 512, 7, 7], ws = [512, 512, 3, 3];
        var g = new GraphBuilder();
        string xi = g.AddInput("x", xs), wi = g.AddInput("w", ws);
        g.AddOutput(g.Conv(xi, wi, pads: [1, 1, 1, 1]), "y");
        var ort = OrtRunner(g, [("x", x, xs), ("w", w, ws)], xs);
        var tx = tensor(x, xs); var tw = tensor(w, ws);
        return ("3×3 Conv forward [64×512×7×7], W an input", ort, () =>
        {
            using var scope = NewDisposeScope();
            var s = Stopwatch.StartNew();
            using var y = nn.functional.conv2d(tx, tw, padding: [1, 1]);
            return s.Elapsed.TotalMilliseconds;
        });
    }

    private static Func<double> OrtRunner(GraphBuilder g, (string Name, float[] Values, long[] Shape)[] inputs, long[] outShape)
    {
        var (options, _) = ExecutionProviders.Create(TrainingDevice.Cpu, FineTuneJob.Threads, log: null);
        // Owned for the life of the process (the probe runs once, at the end of it).
        var session = new InferenceSession(g.ToBytes(), options);
        var run = new RunOptions();
        var values = inputs.Select(i => OrtValue.CreateTensorValueFromMemory(i.Values, i.Shape)).ToArray();
        var output = OrtValue.CreateTensorValueFromMemory(new float[outShape.Aggregate(1L, (p, d) => p * d)], outShape);
        var names = inputs.Select(i => i.Name).ToArray();
        return () =>
        {
            var s = Stopwatch.StartNew();
            session.Run(run, names, values, ["y"], [output]);
            GC.KeepAlive(options);
            return s.Elapsed.TotalMilliseconds;
        };
    }
}

using System.Text.Json;

namespace MLNet.SoftTargets.FineTuneStep;

/// <summary>One node's kernel time over the profiled steps.</summary>
internal sealed record NodeTime(string Node, string OpType, string Shapes, double Microseconds, int Calls);

/// <summary>
/// Reads an ONNX Runtime profile (the JSON array of trace events that <c>SessionOptions.EnableProfiling</c> writes) and
/// aggregates the kernel time of every node (<c>cat: "Node"</c>, name <c>…_kernel_time</c>, <c>args.op_name</c>), leaving
/// out the first <c>model_run</c> (warm-up: allocations, first-touch of buffers).
/// </summary>
internal sealed class OrtProfile
{
    private OrtProfile(IReadOnlyList<NodeTime> nodes, IReadOnlyList<double> runs)
    {
        Nodes = nodes;
        Runs = runs;
    }

    /// <summary>Per node, the kernel time summed over the runs after the first.</summary>
    public IReadOnlyList<NodeTime> Nodes { get; }

    /// <summary>The <c>model_run</c> durations after the first, in µs.</summary>
    public IReadOnlyList<double> Runs { get; }

    public static OrtProfile Read(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var events = document.RootElement.EnumerateArray().ToList();
        string Text(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
        var runs = events.Where(e => Text(e, "cat") == "Session" && Text(e, "name") == "model_run")
            .Select(e => (Start: e.GetProperty("ts").GetDouble(), Duration: e.GetProperty("dur").GetDouble())).OrderBy(r => r.Start).ToList();
        if (runs.Count < 2)
            throw new InvalidDataException($"{path}: {runs.Count} model_run events; at least 2 are needed (the first is left out)");
        double after = runs[0].Start + runs[0].Duration;
        var nodes = events
            .Where(e => Text(e, "cat") == "Node" && Text(e, "name").EndsWith("_kernel_time", StringComparison.Ordinal) && e.GetProperty("ts").GetDouble() >= after)
            .GroupBy(e => Text(e, "name"))
            .Select(group =>
            {
                var args = group.First().GetProperty("args");
                string shapes = args.TryGetProperty("input_type_shape", out var s) ? Shapes(s) : "";
                return new NodeTime(group.Key[..^"_kernel_time".Length], Text(args, "op_name"), shapes, group.Sum(e => e.GetProperty("dur").GetDouble()), group.Count());
            })
            .OrderByDescending(n => n.Microseconds)
            .ToList();
        return new OrtProfile(nodes, runs.Skip(1).Select(r => r.Duration).ToList());
    }

    /// <summary>[{"float":[64,512,7,7]},{"float":[512,512,3,3]}] → "64×512×7×7, 512×512×3×3".</summary>
    private static string Shapes(JsonElement inputs) => string.Join(", ", inputs.EnumerateArray()
        .SelectMany(input => input.EnumerateObject())
        .Select(p => p.Value.ValueKind == JsonValueKind.Array ? string.Join("×", p.Value.EnumerateArray().Select(d => d.ToString())) : "?")
        .Select(s => s.Length == 0 ? "scalar" : s));

    /// <summary>Prints the by-op-type table and the <paramref name="top"/> most expensive nodes (markdown).</summary>
    public void Print(int top)
    {
        int steps = Runs.Count;
        double kernel = Nodes.Sum(n => n.Microseconds);
        double run = Runs.Sum();
        Console.WriteLine($"ONNX Runtime profile of our step: {steps} profiled steps after 1 left out; model_run median " +
                          $"{TrainStep.Harness.Median(Runs) / 1000:F1} ms; kernels {kernel / steps / 1000:F1} ms a step " +
                          $"({kernel / run:P1} of model_run; the rest is the executor between kernels).");
        Console.WriteLine();
        Console.WriteLine("| op type | nodes | ms/step | share of kernel time |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var group in Nodes.GroupBy(n => n.OpType).OrderByDescending(g => g.Sum(n => n.Microseconds)))
        {
            double us = group.Sum(n => n.Microseconds);
            Console.WriteLine($"| {group.Key} | {group.Count()} | {us / steps / 1000:F2} | {us / kernel:P1} |");
        }
        Console.WriteLine($"| **all** | {Nodes.Count} | **{kernel / steps / 1000:F2}** | 100 % |");
        Console.WriteLine();
        Console.WriteLine($"The {top} most expensive nodes (input shapes as the profiler gives them):");
        Console.WriteLine();
        Console.WriteLine("| node | op type | inputs | ms/step | share |");
        Console.WriteLine("|---|---|---|---:|---:|");
        foreach (var n in Nodes.Take(top))
            Console.WriteLine($"| {n.Node} | {n.OpType} | {n.Shapes} | {n.Microseconds / steps / 1000:F2} | {n.Microseconds / kernel:P1} |");
    }
}

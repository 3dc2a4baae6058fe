using System.CommandLine;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using MLNet.SoftTargets.Examples;

namespace MLNet.SoftTargets.TrainStep;

/// <summary>How the TorchSharp benchmarks (TrainStep, FineTuneStep) start: invariant culture, the command line, then TorchSharp loaded and checked.</summary>
public static class TorchSharpBenchmark
{
    /// <summary>
    /// Sets the invariant culture, parses <paramref name="args"/> (false with the exit code on --help or a bad command line),
    /// then, before anything touches a TorchSharp type (its static constructor loads the native wrapper), applies
    /// <see cref="TorchSharpNativeFix"/> and proves that libtorch computes. <paramref name="torchLines"/>: the fix's and the check's report lines.
    /// </summary>
    public static bool Start<T>(RootCommand command, string[] args, Func<ParseResult, T> bind, [MaybeNullWhen(false)] out T options,
        out int exitCode, out (string Fix, string Check) torchLines)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        torchLines = default;
        if (!CommandLineHost.TryParse(command, args, bind, out options, out exitCode))
            return false;
        torchLines = (TorchSharpNativeFix.Apply(), TorchSharpNativeFix.Check());
        return true;
    }

    /// <summary>The report's last line: the load average at the end (other work makes timings noisy) and the total wall time.</summary>
    public static void PrintEnd(System.Diagnostics.Stopwatch total)
    {
        Console.WriteLine();
        Console.WriteLine($"Load average at end: {MachineInfo.LoadAverage()}. Total wall time: {total.Elapsed.TotalSeconds:F1} s");
    }
}

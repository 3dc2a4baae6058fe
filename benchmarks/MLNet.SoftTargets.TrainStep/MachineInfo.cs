using System.Diagnostics;
using System.Runtime.InteropServices;

namespace MLNet.SoftTargets.TrainStep;

/// <summary>What the report says about the machine: lscpu's model name and nproc.</summary>
internal static class MachineInfo
{
    /// <summary>lscpu's "Model name", with its CPU family and model numbers (the name alone is often generic in VMs).</summary>
    public static string CpuModel()
    {
        var fields = (Run("lscpu") ?? "").Split('\n')
            .Select(line => line.Split(':', 2))
            .Where(parts => parts.Length == 2)
            .GroupBy(parts => parts[0].Trim())
            .ToDictionary(g => g.Key, g => g.First()[1].Trim());
        if (fields.TryGetValue("Model name", out string? name))
        {
            return fields.TryGetValue("CPU family", out string? family) && fields.TryGetValue("Model", out string? model)
                ? $"{name} (family {family}, model {model})"
                : name;
        }
        if (File.Exists("/proc/cpuinfo"))
        {
            string? line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            if (line is not null)
                return line[(line.IndexOf(':') + 1)..].Trim();
        }
        return RuntimeInformation.ProcessArchitecture.ToString();
    }

    public static string Nproc() => Run("nproc")?.Trim() is { Length: > 0 } n ? n : Environment.ProcessorCount.ToString();

    /// <summary>The 1, 5 and 15 minute load averages: other work on the machine makes timings noisy.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    public static string Os() => RuntimeInformation.OSDescription;

    private static string? Run(string tool)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(tool)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                Environment = { ["LC_ALL"] = "C" },
            });
            if (process is null)
                return null;
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}

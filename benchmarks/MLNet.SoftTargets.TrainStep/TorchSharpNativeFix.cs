namespace MLNet.SoftTargets.TrainStep;

/// <summary>
/// Makes TorchSharp-cpu 0.107's native wrapper loadable on Debian 12 (libstdc++ up to GLIBCXX_3.4.30) by marking
/// its need for GLIBCXX_3.4.32 weak, in this application's own build output, before TorchSharp is first touched.
/// See <see cref="ElfVersionNeedPatcher"/> for why this is safe.
/// </summary>
public static class TorchSharpNativeFix
{
    private const string WrapperFileName = "libLibTorchSharp.so";
    private const string LibraryName = "libstdc++.so.6";
    private const string VersionName = "GLIBCXX_3.4.32";

    /// <summary>
    /// Patches every copy of the wrapper in this application's output. Must run before the first use of any
    /// <c>TorchSharp</c> type (its static constructor loads the native library). Returns one line for the log.
    /// </summary>
    public static string Apply()
    {
        if (!OperatingSystem.IsLinux())
            return "GLIBCXX fix: not Linux, nothing to do";

        string baseDir = AppContext.BaseDirectory;
        // Where the build puts the wrapper: a portable (RID-less) build keeps NuGet's layout,
        // runtimes/linux-x64/native/; a RID-specific build (this project sets linux-x64 on Linux) copies the
        // native files flat next to the app. TorchSharp's first load attempt resolves it through the deps.json
        // from either place. (Its last-resort fallback copies the natives from the NuGet cache into ./cpu/,
        // unpatched; with the patch in place that fallback is never reached.)
        string[] candidates =
        [
            Path.Combine(baseDir, WrapperFileName),
            Path.Combine(baseDir, "runtimes", "linux-x64", "native", WrapperFileName),
        ];

        var lines = new List<string>();
        foreach (string path in candidates.Where(File.Exists))
        {
            string full = Path.GetFullPath(path);
            if (IsInNuGetCache(full))
                throw new InvalidOperationException(
                    $"refusing to patch {full}: it is in the NuGet cache; only a copy in the build output may be patched");
            var outcome = ElfVersionNeedPatcher.MarkWeak(full, LibraryName, VersionName);
            if (outcome != VersionNeedPatchOutcome.NotReferenced && !ElfVersionNeedPatcher.IsWeak(full, LibraryName, VersionName))
                throw new InvalidOperationException($"the {VersionName} need in {full} is still strong after patching");
            lines.Add($"{Path.GetRelativePath(baseDir, full)}: {Describe(outcome)}");
        }

        return lines.Count == 0
            ? $"GLIBCXX fix: no {WrapperFileName} found under {baseDir} (TorchSharp will probably fail to load)"
            : "GLIBCXX fix: " + string.Join("; ", lines);
    }

    /// <summary>Proves that the native library loads and computes before any timing starts; returns one line for the log.</summary>
    /// <exception cref="InvalidOperationException">torch.ones(2, 3).sum() is not 6.</exception>
    public static string Check()
    {
        using var ones = TorchSharp.torch.ones(2, 3);
        using var sum = ones.sum();
        float value = sum.item<float>();
        if (value != 6f)
            throw new InvalidOperationException($"TorchSharp check failed: torch.ones(2, 3).sum() = {value}");
        return "TorchSharp loaded: torch.ones(2, 3).sum() = 6";
    }

    private static string Describe(VersionNeedPatchOutcome outcome) => outcome switch
    {
        VersionNeedPatchOutcome.Patched => $"{VersionName} need marked weak now",
        VersionNeedPatchOutcome.AlreadyWeak => $"{VersionName} need already weak",
        _ => $"no {VersionName} need (nothing to do)",
    };

    private static bool IsInNuGetCache(string fullPath)
    {
        string? root = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (string.IsNullOrEmpty(root))
            root = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root)) + Path.DirectorySeparatorChar;
        return fullPath.StartsWith(root, StringComparison.Ordinal);
    }
}

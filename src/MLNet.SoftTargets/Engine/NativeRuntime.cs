using Microsoft.ML.OnnxRuntime;

namespace MLNet.SoftTargets.Engine;

/// <summary>
/// The check that a native ONNX Runtime is in the application. The library references only ONNX Runtime's managed API
/// (the application chooses the native package); without one, the first native call fails with nothing better than
/// "The type initializer for 'Microsoft.ML.OnnxRuntime.NativeMethods' threw an exception". This turns that into an
/// error that says which package to add.
/// </summary>
internal static class NativeRuntime
{
    private static volatile bool _loaded;

    /// <summary>Loads ONNX Runtime's native library once.</summary>
    /// <exception cref="InvalidOperationException">It cannot be loaded; the message names the packages that carry it.</exception>
    public static void EnsureLoaded()
    {
        if (_loaded)
            return;
        try
        {
            _ = OrtEnv.Instance();
            _loaded = true;
        }
        catch (Exception e) when (IsMissingNativeLibrary(e))
        {
            throw Missing(e);
        }
    }

    /// <summary>Whether <paramref name="e"/> is how a missing or unloadable native ONNX Runtime shows up.</summary>
    public static bool IsMissingNativeLibrary(Exception e) => e switch
    {
        TypeInitializationException { TypeName: var name } when name?.StartsWith("Microsoft.ML.OnnxRuntime", StringComparison.Ordinal) == true => true,
        DllNotFoundException or EntryPointNotFoundException or BadImageFormatException => true,
        _ => e.InnerException is { } inner && IsMissingNativeLibrary(inner),
    };

    /// <summary>The error for a missing native ONNX Runtime, with <paramref name="cause"/> as its inner exception.</summary>
    public static InvalidOperationException Missing(Exception cause) => new(
        "ONNX Runtime's native library could not be loaded, so MLNet.SoftTargets cannot train or score. The library " +
        "references only ONNX Runtime's managed API; add exactly one native package to the application: " +
        "Microsoft.ML.OnnxRuntime (CPU) or Microsoft.ML.OnnxRuntime.Gpu (CUDA 13 with cuDNN 9, falls back to the CPU). " +
        $"Cause: {Innermost(cause).Message}", cause);

    private static Exception Innermost(Exception e) => e.InnerException is { } inner ? Innermost(inner) : e;
}

using Microsoft.ML.OnnxRuntime;

namespace MLNet.SoftTargets.Engine;

/// <summary>Session options for a <see cref="TrainingDevice"/>: the CUDA execution provider when asked for and loadable, else the CPU.</summary>
internal static class ExecutionProviders
{
    /// <summary>
    /// Creates session options for <paramref name="device"/>. <see cref="TrainingDeviceKind.Auto"/> falls back to the
    /// CPU with one line to <paramref name="log"/>; <see cref="TrainingDeviceKind.Cuda"/> throws when CUDA cannot be loaded.
    /// ONNX Runtime's own logging is raised to Fatal while the provider is tried, so a failed load does not print
    /// native error lines; the reason reaches the caller through the exception message instead.
    /// </summary>
    /// <param name="device">The device asked for.</param>
    /// <param name="threads">Intra-op threads; sequential execution (parallel execution oversubscribes small machines).</param>
    /// <param name="log">Receives the fallback line, if any.</param>
    /// <param name="appendCuda">Appends the CUDA provider (a seam for tests; defaults to ONNX Runtime's).</param>
    /// <param name="flushDenormals">Flush denormals to zero in the sessions' threads: for training, whose sessions run
    /// on a thread of the library's own (<see cref="OwnThread"/>); never for scoring, which runs on the caller's.</param>
    /// <exception cref="InvalidOperationException">CUDA was required and could not be loaded, or no native ONNX Runtime is in the application.</exception>
    public static (SessionOptions Options, bool UsesCuda) Create(TrainingDevice device, int threads, Action<string>? log, Action<SessionOptions, int>? appendCuda = null,
        bool flushDenormals = true)
    {
        NativeRuntime.EnsureLoaded();
        var options = new SessionOptions
        {
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL,
        };
        // Flush denormal floats to zero. Adam's second moments (g², decaying by β2 each step) and the gradients of
        // saturated units drift into the denormal range, where x86 arithmetic is many times slower: measured here,
        // the MLP step ran 2.0× faster with this set (1.27 vs 2.5 ms). Values below 1.2e-38 become 0.
        // The mode is per thread: ONNX Runtime sets it on its pool's threads and on the thread that creates a session.
        if (flushDenormals)
            options.AddSessionConfigEntry("session.set_denormal_as_zero", "1");
        if (device.Kind == TrainingDeviceKind.Cpu)
            return (options, false);
        // A failed provider load is reported through the environment's logger (not the session's), which prints
        // a red native error line; silence it for the attempt and report the reason ourselves.
        // The level is process-wide: attempts are serialised, so overlapping calls cannot restore each other's
        // raised level and leave it at Fatal.
        var environment = OrtEnv.Instance();
        lock (EnvironmentLogLevel)
        {
            var previousLevel = environment.EnvLogLevel;
            environment.EnvLogLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL;
            try
            {
                return AppendCuda(device, log, appendCuda, options);
            }
            finally
            {
                environment.EnvLogLevel = previousLevel;
            }
        }
    }

    private static readonly object EnvironmentLogLevel = new();

    private static (SessionOptions Options, bool UsesCuda) AppendCuda(TrainingDevice device, Action<string>? log, Action<SessionOptions, int>? appendCuda, SessionOptions options)
    {
        try
        {
            (appendCuda ?? ((o, id) => o.AppendExecutionProvider_CUDA(id)))(options, device.DeviceId);
            return (options, true);
        }
        catch (Exception e) when (e is OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            string reason = FirstLine(e.Message);
            if (device.Kind == TrainingDeviceKind.Cuda)
            {
                options.Dispose();
                throw new InvalidOperationException(
                    $"Training on {device} was requested, but ONNX Runtime's CUDA execution provider could not be loaded: {reason} " +
                    "Reference Microsoft.ML.OnnxRuntime.Gpu and install CUDA 13 with cuDNN 9, or train on TrainingDevice.Cpu.", e);
            }
            log?.Invoke($"CUDA is not available ({reason}); training on the CPU.");
            return (options, false);
        }
    }

    private static string FirstLine(string message)
    {
        var line = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? message;
        return line.Length > 300 ? line[..300] + "…" : line;
    }
}

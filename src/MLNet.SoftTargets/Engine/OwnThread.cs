using System.Globalization;
using System.Runtime.ExceptionServices;

namespace MLNet.SoftTargets.Engine;

/// <summary>
/// Runs work on a new thread and waits for it, so that per-thread state native code sets there (ONNX Runtime's
/// flush-to-zero and denormals-are-zero bits) stays on a thread the library owns. The caller's culture goes with the
/// work; an exception is rethrown on the caller's thread with its original stack trace.
/// </summary>
internal static class OwnThread
{
    /// <summary>Stack of the training thread: as a thread-pool thread's, the graph builders recurse over deep graphs.</summary>
    private const int StackBytes = 16 << 20;

    public static T Run<T>(Func<T> work)
    {
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var culture = CultureInfo.CurrentCulture;
        var uiCulture = CultureInfo.CurrentUICulture;
        var thread = new Thread(() =>
        {
            CultureInfo.CurrentCulture = culture;
            CultureInfo.CurrentUICulture = uiCulture;
            try
            {
                result = work();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        }, StackBytes)
        {
            IsBackground = true,
            Name = "MLNet.SoftTargets training",
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }
}

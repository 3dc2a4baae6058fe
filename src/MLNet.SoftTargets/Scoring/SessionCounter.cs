namespace MLNet.SoftTargets.Scoring;

/// <summary>
/// Counts the ONNX Runtime sessions this library opens for scoring, saving and schemas — its own
/// <see cref="OrtClassifierSession"/>s and the <c>OnnxTransformer</c>s it builds (each holds one session) — so tests can
/// check that schema-only calls open none. Training sessions (<c>Engine/</c>) are not counted.
/// </summary>
internal static class SessionCounter
{
    private static long _opened;

    /// <summary>Sessions opened since the process started.</summary>
    public static long Opened => Interlocked.Read(ref _opened);

    public static void Count() => Interlocked.Increment(ref _opened);
}

using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace MLNet.SoftTargets.Engine;

/// <summary>
/// The frozen teacher of in-the-loop distillation: an ONNX Runtime session of its own over the teacher's graph, run once
/// per batch on the batch the step then trains on (after mixing). It reads the step runner's feature buffer in place
/// and writes the teacher's logits (or, for a probability output, their clamped logarithms) into the runner's teacher
/// buffer. Owns its session and run options; dispose it.
/// </summary>
internal sealed class TeacherRunner : IDisposable
{
    /// <summary>The logarithm of probabilities below this is taken at it (a teacher's 0 becomes a finite logit).</summary>
    public const float ProbabilityFloor = 1e-30f;

    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions;
    private readonly TeacherSettings _settings;
    private readonly float[] _features;
    private readonly string _inputName;
    private readonly int _featureCount;
    private readonly int _classCount;
    private readonly Dictionary<int, OrtValue> _inputs = [];

    /// <param name="settings">The teacher.</param>
    /// <param name="features">The step runner's feature buffer, [batch, D] row-major, read in place by every run.</param>
    /// <param name="featureCount">D.</param>
    /// <param name="classCount">K.</param>
    /// <param name="options">The training sessions' options.</param>
    /// <exception cref="ArgumentException">ONNX Runtime cannot load the teacher's graph.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The teacher's input or output does not fit the student (width, class count, type, a fixed batch size).</exception>
    public TeacherRunner(TeacherSettings settings, float[] features, int featureCount, int classCount, SessionOptions options)
    {
        _settings = settings;
        _features = features;
        _featureCount = featureCount;
        _classCount = classCount;
        try
        {
            _session = new InferenceSession(settings.Model, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ArgumentException($"The teacher's ONNX graph cannot be loaded by ONNX Runtime: {e.Message}", "Teacher", e);
        }
        try
        {
            _inputName = Check(_session, settings.OutputName, featureCount, classCount);
        }
        catch
        {
            _session.Dispose();
            throw;
        }
        _runOptions = new RunOptions();
    }

    /// <summary>
    /// Checks a teacher graph against the student: one float input [N, D] with D = <paramref name="featureCount"/> (or a
    /// dynamic width), an output <paramref name="outputName"/> [N, K] with K = <paramref name="classCount"/> (or dynamic).
    /// </summary>
    public static string Check(InferenceSession session, string outputName, int featureCount, int classCount)
    {
        const string option = "Teacher";
        if (session.InputMetadata.Count != 1)
            throw new ArgumentOutOfRangeException(option, session.InputMetadata.Count,
                $"The teacher's graph has {session.InputMetadata.Count} inputs ({string.Join(", ", session.InputMetadata.Keys)}); it needs exactly one, float [N, {featureCount}].");
        var (inputName, input) = session.InputMetadata.Single();
        if (input.ElementDataType != TensorElementType.Float || input.Dimensions.Length != 2 || input.Dimensions[1] > 0 && input.Dimensions[1] != featureCount
            || input.Dimensions[0] > 0)
            throw new ArgumentOutOfRangeException(option, $"[{string.Join(", ", input.Dimensions)}]",
                $"The teacher's input '{inputName}' is {input.ElementDataType} [{string.Join(", ", input.Dimensions)}]; the student's feature column has {featureCount} values, so it must be float [N, {featureCount}] with a dynamic batch size N.");
        if (!session.OutputMetadata.TryGetValue(outputName, out var output))
            throw new ArgumentOutOfRangeException("Teacher.OutputName", outputName,
                $"The teacher's graph has no output '{outputName}'; its outputs: {string.Join(", ", session.OutputMetadata.Keys)}.");
        if (output.ElementDataType != TensorElementType.Float || output.Dimensions.Length != 2 || output.Dimensions[1] > 0 && output.Dimensions[1] != classCount)
            throw new ArgumentOutOfRangeException("Teacher.OutputName", outputName,
                $"The teacher's output '{outputName}' is {output.ElementDataType} [{string.Join(", ", output.Dimensions)}]; the student has {classCount} classes, so it must be float [N, {classCount}].");
        return inputName;
    }

    /// <summary>Scores the first <paramref name="rows"/> rows of the feature buffer into <paramref name="logits"/> ([rows, K]).</summary>
    /// <exception cref="InvalidOperationException">The teacher gave an output of another size, or a value that is not finite.</exception>
    public void Run(int rows, float[] logits)
    {
        if (!_inputs.TryGetValue(rows, out var input))
        {
            input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _features.AsMemory(0, rows * _featureCount), [rows, _featureCount]);
            _inputs[rows] = input;
        }
        using var results = _session.Run(_runOptions, [_inputName], [input], [_settings.OutputName]);
        var values = results[0].GetTensorDataAsSpan<float>();
        if (values.Length != rows * _classCount)
            throw new InvalidOperationException(
                $"The teacher's output '{_settings.OutputName}' has {values.Length} values for {rows} rows; {rows} × {_classCount} classes expected.");
        var target = logits.AsSpan(0, values.Length);
        for (int i = 0; i < values.Length; i++)
        {
            float v = values[i];
            if (_settings.OutputIsProbability)
                v = v >= 0 && v <= 1.0001f ? MathF.Log(MathF.Max(v, ProbabilityFloor)) : float.NaN;
            if (!float.IsFinite(v))
                throw new InvalidOperationException(
                    $"The teacher's output '{_settings.OutputName}' is {values[i]} at batch row {i / _classCount}, class {i % _classCount}" +
                    (_settings.OutputIsProbability ? " (read as a probability: it must be in [0, 1])." : " (logits must be finite)."));
            target[i] = v;
        }
    }

    public void Dispose()
    {
        foreach (var value in _inputs.Values)
            value.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }
}

using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Onnx;

namespace MLNet.SoftTargets.Tests.TestSupport;

/// <summary>Test data for one tensor: its values in row-major order and its shape (empty for a scalar).</summary>
internal sealed record TestTensor(double[] Data, long[] Shape)
{
    public static TestTensor Scalar(double value) => new([value], []);

    public static long ElementCount(long[] shape) => shape.Aggregate(1L, (p, d) => p * d);

    public override string ToString() => $"[{string.Join(",", Shape)}] {{{string.Join(", ", Data.Select(d => d.ToString("G6", System.Globalization.CultureInfo.InvariantCulture)))}}}";
}

/// <summary>
/// Runs an ONNX model on ONNX Runtime's CPU provider for tests: named inputs and outputs as <see cref="TestTensor"/>
/// (doubles, converted to and from the model's float, double, int64 or bool tensors). One session per runner, so a test
/// that runs a graph many times (finite differences) pays for the session once. Single-threaded: the tensors are tiny
/// and the tests themselves run in parallel.
/// </summary>
internal sealed class OnnxTestRunner : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();

    public OnnxTestRunner(ModelProto model, GraphOptimizationLevel optimization = GraphOptimizationLevel.ORT_ENABLE_ALL)
        : this(model.ToByteArray(), optimization)
    {
    }

    public OnnxTestRunner(byte[] model, GraphOptimizationLevel optimization = GraphOptimizationLevel.ORT_ENABLE_ALL)
    {
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = optimization,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        try
        {
            _session = new InferenceSession(model, options);
        }
        catch
        {
            _runOptions.Dispose();
            throw;
        }
    }

    public IReadOnlyList<string> InputNames => _session.InputNames;

    public IReadOnlyList<string> OutputNames => _session.OutputNames;

    /// <summary>True when the model's input <paramref name="name"/> is a float32 tensor (its feeds are rounded to float).</summary>
    public bool InputIsFloat(string name) => _session.InputMetadata[name].ElementDataType == TensorElementType.Float;

    /// <summary>Runs the model and returns <paramref name="outputNames"/> (every output when none are named).</summary>
    public IReadOnlyDictionary<string, TestTensor> Run(IReadOnlyDictionary<string, TestTensor> inputs, params string[] outputNames)
    {
        if (outputNames.Length == 0)
            outputNames = [.. _session.OutputNames];
        var names = new List<string>(inputs.Count);
        var values = new List<OrtValue>(inputs.Count);
        try
        {
            foreach (var (name, tensor) in inputs)
            {
                if (!_session.InputMetadata.TryGetValue(name, out var metadata))
                    throw new ArgumentException($"The model has no input named '{name}'.", nameof(inputs));
                names.Add(name);
                values.Add(CreateValue(name, metadata.ElementDataType, tensor));
            }
            using var results = _session.Run(_runOptions, names, values, outputNames);
            var outputs = new Dictionary<string, TestTensor>(outputNames.Length);
            foreach (var (name, value) in outputNames.Zip(results))
                outputs[name] = Read(name, value);
            return outputs;
        }
        finally
        {
            foreach (var value in values)
                value.Dispose();
        }
    }

    /// <summary>Runs the model and returns the single output <paramref name="outputName"/>.</summary>
    public TestTensor RunOne(IReadOnlyDictionary<string, TestTensor> inputs, string outputName) => Run(inputs, outputName)[outputName];

    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
    }

    private static OrtValue CreateValue(string name, TensorElementType type, TestTensor tensor)
    {
        if (tensor.Data.Length != TestTensor.ElementCount(tensor.Shape))
            throw new ArgumentException($"Input '{name}': {tensor.Data.Length} values for shape [{string.Join(",", tensor.Shape)}].");
        return type switch
        {
            TensorElementType.Double => OrtValue.CreateTensorValueFromMemory(tensor.Data, tensor.Shape),
            TensorElementType.Float => OrtValue.CreateTensorValueFromMemory(Array.ConvertAll(tensor.Data, d => (float)d), tensor.Shape),
            TensorElementType.Int64 => OrtValue.CreateTensorValueFromMemory(Array.ConvertAll(tensor.Data, d => checked((long)d)), tensor.Shape),
            _ => throw new NotSupportedException($"Input '{name}' has element type {type}; the runner feeds float, double and int64."),
        };
    }

    private static TestTensor Read(string name, OrtValue value)
    {
        var info = value.GetTensorTypeAndShape();
        double[] data = info.ElementDataType switch
        {
            TensorElementType.Double => value.GetTensorDataAsSpan<double>().ToArray(),
            TensorElementType.Float => ToDoubles(value.GetTensorDataAsSpan<float>()),
            TensorElementType.Int64 => ToDoubles(value.GetTensorDataAsSpan<long>()),
            TensorElementType.Bool => ToDoubles(value.GetTensorDataAsSpan<bool>()),
            _ => throw new NotSupportedException($"Output '{name}' has element type {info.ElementDataType}."),
        };
        return new TestTensor(data, info.Shape);
    }

    private static double[] ToDoubles(ReadOnlySpan<float> values)
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
            result[i] = values[i];
        return result;
    }

    private static double[] ToDoubles(ReadOnlySpan<long> values)
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
            result[i] = values[i];
        return result;
    }

    private static double[] ToDoubles(ReadOnlySpan<bool> values)
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
            result[i] = values[i] ? 1 : 0;
        return result;
    }
}

using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using MLNet.SoftTargets.Graphs;
using MLNet.SoftTargets.Graphs.Blocks;

namespace MLNet.SoftTargets.Backbones;

/// <summary>
/// A pretrained backbone split for fine-tuning: the frozen part (input → cut), run once per example, and the top part
/// (cut → output), imported into the training graph and differentiated. Trainable tensors are named
/// <c>backbone.{initializer}</c>.
/// </summary>
internal sealed class BackboneTop : IPretrainedTrunk
{
    public const string Prefix = "backbone.";
    private readonly ModelProto _model;
    private readonly Dictionary<string, TensorProto> _trainable;

    public BackboneTop(BackboneSettings settings)
    {
        var original = ModelProto.Parser.ParseFrom(settings.Model);
        _model = BackboneSurgery.WithSymbolicBatch(original);
        var constants = _model.Graph.Initializer.Select(t => t.Name).ToHashSet();
        var input = _model.Graph.Input.First(i => !constants.Contains(i.Name));
        InputName = input.Name;
        InputShape = input.Type.TensorType.Shape.Dim.Skip(1).Select(d => d.DimValue).ToArray();
        if (InputShape.Any(d => d <= 0))
            throw new ArgumentException($"Backbone input '{InputName}' needs a fixed shape after the batch dimension.", nameof(settings));
        OutputName = settings.OutputName ?? _model.Graph.Output[0].Name;
        var layers = BackboneSurgery.TopLayers(_model, OutputName, settings.TrainableLayers);
        CutName = BackboneSurgery.FindCut(_model, OutputName, layers);
        _trainable = BackboneImport.TrainableInitializers(_model, CutName, OutputName).ToDictionary(t => t.Name);
        Parameters = _trainable.Values.Select(t => new ParameterShape(Prefix + t.Name, [.. t.Dims])).ToArray();

        // Static shapes of the cut and the output, from importing the whole backbone once.
        var g = new GraphBuilder();
        var x = g.AddInput("x", [GraphBuilder.Dynamic, .. InputShape]);
        var cut = CutName == InputName ? x : BackboneImport.Import(g, _model, InputName, x, CutName, _ => null);
        CutShape = g.Shape(cut)[1..];
        var output = BackboneImport.Import(g, _model, CutName, cut, OutputName, _ => null);
        OutputSize = (int)g.Shape(output)[1..].Aggregate(1L, (p, d) => p * d);
        FrozenPart = CutName == InputName ? null : BackboneSurgery.Truncate(_model, CutName).ToByteArray();
    }

    public string InputName { get; }

    public long[] InputShape { get; }

    public int InputSize => (int)InputShape.Aggregate(1L, (p, d) => p * d);

    public string OutputName { get; }

    public string CutName { get; }

    public long[] CutShape { get; }

    public int CutSize => (int)CutShape.Aggregate(1L, (p, d) => p * d);

    /// <summary>Flattened size of the backbone output (the head's input).</summary>
    public int OutputSize { get; }

    /// <summary>The ONNX model computing the cut from the input, or null when nothing is frozen.</summary>
    public byte[]? FrozenPart { get; }

    /// <summary>The trainable tensors (<c>backbone.{initializer}</c>), in the order the layers read them.</summary>
    public IReadOnlyList<ParameterShape> Parameters { get; }

    /// <inheritdoc/>
    public float[] PretrainedValue(string name) =>
        name.StartsWith(Prefix, StringComparison.Ordinal) && _trainable.TryGetValue(name[Prefix.Length..], out var tensor)
            ? BackboneImport.Values(tensor)
            : throw new KeyNotFoundException($"The backbone has no trainable tensor '{name}'.");

    /// <summary>Cut activations [N, CutSize] → backbone output, flattened [N, OutputSize].</summary>
    public string ForwardFromCut(GraphBuilder g, string cutFeatures, Func<string, string> parameter)
    {
        var cut = g.Reshape(cutFeatures, [0, .. CutShape]);
        var output = BackboneImport.Import(g, _model, CutName, cut, OutputName, name => _trainable.ContainsKey(name) ? parameter(Prefix + name) : null);
        return g.Reshape(output, [0, OutputSize]);
    }

    /// <summary>Raw input [N, InputSize] → backbone output, flattened [N, OutputSize] (frozen part as constants).</summary>
    public string ForwardFromInput(GraphBuilder g, string raw, Func<string, string> parameter)
    {
        var x = g.Reshape(raw, [0, .. InputShape]);
        var cut = CutName == InputName ? x : BackboneImport.Import(g, _model, InputName, x, CutName, _ => null);
        return ForwardFromCut(g, g.Reshape(cut, [0, CutSize]), parameter);
    }

    /// <summary>Runs the frozen part: raw rows → cut activations (the bottleneck cache).</summary>
    public sealed class Featurizer : IDisposable
    {
        private readonly BackboneTop _top;
        private readonly InferenceSession? _session;
        private readonly RunOptions _runOptions;

        /// <param name="top">The cut backbone.</param>
        /// <param name="options">Session options of the run.</param>
        /// <param name="runOptions">The run options of every call (taken over: disposed with the featurizer); tests pass
        /// one that records its release.</param>
        public Featurizer(BackboneTop top, SessionOptions options, RunOptions? runOptions = null)
        {
            _top = top;
            _runOptions = runOptions ?? new RunOptions();
            if (top.FrozenPart is { } model)
                _session = new InferenceSession(model, options);
        }

        /// <summary>Values per output row (the cut size).</summary>
        public int OutputSize => _top.CutSize;

        /// <summary>Rows per call that callers should batch (the frozen part's cost per row is large).</summary>
        public int ChunkRows => 32;

        /// <summary>
        /// The cut activations of <paramref name="rows"/> raw rows into <paramref name="cut"/>. A cancellation of
        /// <paramref name="cancellation"/> stops the native run (ONNX Runtime's terminate flag) and throws
        /// <see cref="OperationCanceledException"/>.
        /// </summary>
        /// <exception cref="InvalidOperationException">The frozen part returned another number of values than rows × cut size.</exception>
        public void Run(float[] raw, int rows, Span<float> cut, CancellationToken cancellation = default)
        {
            long expected = (long)rows * _top.CutSize;
            if (_session is null)
            {
                raw.AsSpan(0, rows * _top.InputSize).CopyTo(cut);
                return;
            }
            cancellation.ThrowIfCancellationRequested();
            using var registration = cancellation.Register(static o => ((RunOptions)o!).Terminate = true, _runOptions);
            using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, raw.AsMemory(0, rows * _top.InputSize), [rows, .. _top.InputShape]);
            IDisposableReadOnlyCollection<OrtValue> outputs;
            try
            {
                outputs = _session.Run(_runOptions, [_top.InputName], [input], [_top.CutName]);
            }
            catch (OnnxRuntimeException) when (cancellation.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellation);
            }
            using (outputs)
            {
                long actual = outputs[0].GetTensorTypeAndShape().ElementCount;
                if (actual != expected)
                    throw new InvalidOperationException($"The backbone's cut '{_top.CutName}' gave {actual:N0} values for {rows} rows; " +
                        $"{expected:N0} expected ({_top.CutSize:N0} a row, from the shapes read at import). The model's shapes do not match what it computes.");
                outputs[0].GetTensorDataAsSpan<float>().CopyTo(cut);
            }
        }

        public void Dispose()
        {
            _session?.Dispose();
            _runOptions.Dispose();
        }
    }
}

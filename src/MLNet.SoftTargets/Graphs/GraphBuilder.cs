using Google.Protobuf;
using Onnx;

namespace MLNet.SoftTargets.Graphs;

/// <summary>
/// Builds one ONNX graph over OnnxSharp's protobuf classes. The builder owns the opset, the element type of
/// its floating-point tensors and the name counter (no globals), and records each value's static shape
/// (<see cref="Dynamic"/> for a dimension known only at run time, such as the batch), which the op helpers
/// in <see cref="Ops"/> propagate and the gradient rules use to undo broadcasting.
/// </summary>
/// <remarks>Blocks (heads, losses, optimizers) take value names and return value names, as in ONNX Runtime's onnxblock.</remarks>
internal sealed class GraphBuilder
{
    /// <summary>A dimension whose size is known only at run time.</summary>
    public const long Dynamic = -1;

    /// <summary>The opset: 17 has axes as an input of ReduceSum and as an attribute of ReduceMean/ReduceMax.</summary>
    public const int DefaultOpset = 17;

    private readonly GraphProto _graph = new() { Name = "graph" };
    private readonly Dictionary<string, long[]> _shapes = [];
    private readonly Dictionary<string, TensorProto.Types.DataType> _types = [];
    private readonly Dictionary<string, int> _counters = [];
    private readonly Dictionary<string, string> _renamed = [];
    private readonly Dictionary<string, int> _domains = [];

    public GraphBuilder(TensorProto.Types.DataType elementType = TensorProto.Types.DataType.Float, int opset = DefaultOpset)
    {
        if (elementType is not (TensorProto.Types.DataType.Float or TensorProto.Types.DataType.Double))
            throw new ArgumentOutOfRangeException(nameof(elementType), elementType, "Graphs are built in float or double.");
        ElementType = elementType;
        Opset = opset;
    }

    /// <summary>The type of every floating-point tensor the builder makes (float for training, double for gradient checks).</summary>
    public TensorProto.Types.DataType ElementType { get; }

    public int Opset { get; }

    /// <summary>
    /// When set, imported backbone convolutions large enough for <see cref="Autodiff.Rules.ConvRule"/>'s GEMM path
    /// (group 1, C·M·kH·kW ≥ its threshold) are written as <c>Ops.ConvAsGemm</c> (im2col + one Gemm) instead of a Conv node.
    /// The training step sets it: there the weights are graph inputs, which ONNX Runtime's CPU Conv cannot pre-pack
    /// (no NCHWc), and the Gemm form is faster and lets dW reuse the forward patches. Inference graphs leave it off
    /// (constant weights, where ORT's NCHWc Conv is the fast one).
    /// </summary>
    public bool LargeConvolutionsAsGemm { get; set; }

    /// <summary>
    /// Gradients that reverse mode takes by another route than the nodes' rules: for each entry, the gradient of
    /// <see cref="GradientShortcut.Input"/> through <see cref="GradientShortcut.Output"/> is
    /// <see cref="GradientShortcut.InputGradient"/>(dOutput), and no gradient flows back through
    /// <see cref="GradientShortcut.Bypassed"/> (the intermediate value that carried it). <see cref="Ops.ConvAsGemm"/> uses it so
    /// that dX of a stride-1 conv is the flipped-weight im2col GEMM of dY instead of Wᵀ·dY followed by col2im.
    /// </summary>
    internal List<GradientShortcut> GradientShortcuts { get; } = [];

    public IReadOnlyList<NodeProto> Nodes => _graph.Node;

    public IEnumerable<string> InputNames => _graph.Input.Select(i => i.Name);

    public IEnumerable<string> OutputNames => _graph.Output.Select(o => o.Name);

    /// <summary>A fresh name built from <paramref name="hint"/>.</summary>
    public string Unique(string hint)
    {
        if (!_shapes.ContainsKey(hint) && !_counters.ContainsKey(hint))
        {
            _counters[hint] = 0;
            return hint;
        }
        int n = _counters.GetValueOrDefault(hint);
        string name;
        do
        {
            n++;
            name = $"{hint}_{n}";
        }
        while (_shapes.ContainsKey(name));
        _counters[hint] = n;
        return name;
    }

    /// <summary>The static shape of a value (<see cref="Dynamic"/> for run-time dimensions).</summary>
    public long[] Shape(string name) =>
        _shapes.TryGetValue(name, out var shape) ? shape : throw new KeyNotFoundException($"The graph has no value named '{name}'.");

    public TensorProto.Types.DataType TypeOf(string name) => _types[name];

    public int Rank(string name) => Shape(name).Length;

    /// <summary>Adds a graph input of the element type (or <paramref name="type"/>) with the given shape.</summary>
    public string AddInput(string name, long[] shape, TensorProto.Types.DataType? type = null)
    {
        Declare(name, shape, type ?? ElementType);
        _graph.Input.Add(ValueInfo(name, shape, type ?? ElementType));
        return name;
    }

    /// <summary>Adds a floating-point initializer (stored in the element type).</summary>
    public string AddInitializer(string hint, ReadOnlySpan<double> values, long[] shape)
    {
        string name = Unique(hint);
        var tensor = new TensorProto { Name = name, DataType = (int)ElementType };
        tensor.Dims.AddRange(shape);
        if (ElementType == TensorProto.Types.DataType.Float)
        {
            foreach (var v in values)
                tensor.FloatData.Add((float)v);
        }
        else
        {
            foreach (var v in values)
                tensor.DoubleData.Add(v);
        }
        _graph.Initializer.Add(tensor);
        Declare(name, shape, ElementType);
        return name;
    }

    /// <summary>A rank-0 constant of the element type.</summary>
    public string Scalar(double value, string hint = "const") => AddInitializer(hint, [value], []);

    /// <summary>A 1-D int64 constant (axes, shapes, permutations).</summary>
    public string Int64s(params long[] values)
    {
        string name = Unique("i64");
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.Add(values.Length);
        tensor.Int64Data.AddRange(values);
        _graph.Initializer.Add(tensor);
        Declare(name, [values.Length], TensorProto.Types.DataType.Int64);
        return name;
    }

    /// <summary>A string constant (e.g. the input of ML.NET's slot-names node).</summary>
    public string StringInitializer(string hint, string[] values, long[] shape)
    {
        string name = Unique(hint);
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.String };
        tensor.Dims.AddRange(shape);
        tensor.StringData.AddRange(values.Select(ByteString.CopyFromUtf8));
        _graph.Initializer.Add(tensor);
        Declare(name, shape, TensorProto.Types.DataType.String);
        return name;
    }

    /// <summary>
    /// Slot names for the output column <paramref name="column"/> in the form ML.NET's <c>OnnxTransformer</c> reads them
    /// (and its ONNX exporter writes them): an <c>ai.onnx.ml</c> LabelEncoder node named <c>mlnet.{column}.SlotNames</c>
    /// whose <c>keys_strings</c> are the names, computing the extra graph output <c>mlnet.{column}.unusedOutput</c>.
    /// </summary>
    public void AddSlotNames(string column, IReadOnlyList<string> slotNames)
    {
        var one = StringInitializer($"mlnet.{column}.one", ["one"], [1, 1]);
        string output = $"mlnet.{column}.unusedOutput";
        Declare(output, [1, 1], TensorProto.Types.DataType.Int64);
        var node = new NodeProto { OpType = "LabelEncoder", Domain = "ai.onnx.ml", Name = $"mlnet.{column}.SlotNames" };
        node.Input.Add(one);
        node.Output.Add(output);
        node.Attribute.Add(Attr.Strings("keys_strings", slotNames));
        node.Attribute.Add(Attr.Ints("values_int64s", Enumerable.Range(0, slotNames.Count).Select(i => (long)i).ToArray()));
        _graph.Node.Add(node);
        _domains["ai.onnx.ml"] = 2;
        _graph.Output.Add(ValueInfo(output, [1, 1], TensorProto.Types.DataType.Int64));
    }

    /// <summary>Key/value pairs stored in the model's <c>metadata_props</c>.</summary>
    public Dictionary<string, string> Metadata { get; } = [];

    /// <summary>The values of a 1-D int64 initializer, or null when <paramref name="name"/> is not one.</summary>
    public long[]? ConstantInt64s(string name) =>
        _graph.Initializer.FirstOrDefault(t => t.Name == name && t.DataType == (int)TensorProto.Types.DataType.Int64) is { } tensor
            ? tensor.Int64Data.ToArray()
            : null;

    /// <summary>Adds a node with one output of the element type and returns the output's name.</summary>
    public string Node(string opType, string[] inputs, long[] outputShape, params AttributeProto[] attributes) =>
        Node(opType, inputs, outputShape, ElementType, attributes);

    /// <summary>Adds a node with one output of type <paramref name="outputType"/> and returns the output's name.</summary>
    public string Node(string opType, string[] inputs, long[] outputShape, TensorProto.Types.DataType outputType, params AttributeProto[] attributes) =>
        NodeWithOutputs(opType, inputs, [(outputShape, outputType)], attributes)[0];

    /// <summary>Adds a node of another operator domain (e.g. <c>com.microsoft</c>), imported at <paramref name="version"/>.</summary>
    public string DomainNode(string domain, int version, string opType, string[] inputs, long[] outputShape, params AttributeProto[] attributes) =>
        DomainNode(domain, version, opType, inputs, outputShape, ElementType, attributes);

    /// <summary>Adds a node of another operator domain with one output of type <paramref name="outputType"/>.</summary>
    public string DomainNode(string domain, int version, string opType, string[] inputs, long[] outputShape, TensorProto.Types.DataType outputType,
        params AttributeProto[] attributes)
    {
        var output = Node(opType, inputs, outputShape, outputType, attributes);
        _graph.Node[^1].Domain = domain;
        _domains[domain] = version;
        return output;
    }

    /// <summary>Adds a node with several outputs (e.g. MaxPool's Y and Indices) and returns their names, in order.</summary>
    public string[] NodeWithOutputs(string opType, string[] inputs, (long[] Shape, TensorProto.Types.DataType Type)[] outputs, params AttributeProto[] attributes)
    {
        inputs = Array.ConvertAll(inputs, Resolve);
        foreach (var input in inputs)
        {
            if (input.Length > 0 && !_shapes.ContainsKey(input))
                throw new InvalidOperationException($"{opType}: input '{input}' is not a value of this graph.");
        }
        var names = new string[outputs.Length];
        for (int i = 0; i < outputs.Length; i++)
        {
            names[i] = Unique(opType.ToLowerInvariant());
            Declare(names[i], outputs[i].Shape, outputs[i].Type);
        }
        var node = new NodeProto { OpType = opType, Name = names[0] + "_node" };
        node.Input.AddRange(inputs);
        node.Output.AddRange(names);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return names;
    }

    /// <summary>
    /// Marks <paramref name="value"/> as a graph output, under <paramref name="name"/> if given. A value computed by a
    /// node is renamed in place (no Identity copy: the optimizer's outputs are whole parameter tensors); a graph
    /// input or initializer, which cannot be renamed, is copied through Identity.
    /// </summary>
    public string AddOutput(string value, string? name = null)
    {
        value = Resolve(value);
        if (name is not null && name != value)
        {
            if (_shapes.ContainsKey(name))
                throw new InvalidOperationException($"The graph already has a value named '{name}'.");
            var producer = _graph.Node.FirstOrDefault(n => n.Output.Contains(value));
            if (producer is null || _graph.Output.Any(o => o.Name == value))
            {
                var node = new NodeProto { OpType = "Identity", Name = name + "_node" };
                node.Input.Add(value);
                node.Output.Add(name);
                _graph.Node.Add(node);
            }
            else
            {
                foreach (var node in _graph.Node)
                {
                    for (int i = 0; i < node.Output.Count; i++)
                        node.Output[i] = node.Output[i] == value ? name : node.Output[i];
                    for (int i = 0; i < node.Input.Count; i++)
                        node.Input[i] = node.Input[i] == value ? name : node.Input[i];
                }
                _renamed[value] = name;
            }
            Declare(name, Shape(value), TypeOf(value));
            value = name;
        }
        _graph.Output.Add(ValueInfo(value, Shape(value), TypeOf(value)));
        return value;
    }

    /// <summary>The current name of a value that <see cref="AddOutput"/> may have renamed.</summary>
    public string Resolve(string value)
    {
        while (_renamed.TryGetValue(value, out var renamed))
            value = renamed;
        return value;
    }

    /// <summary>The model: this graph, the default ONNX domain at <see cref="Opset"/>.</summary>
    public ModelProto ToModel()
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = "MLNet.SoftTargets", Graph = _graph.Clone() };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        foreach (var (domain, version) in _domains)
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = version });
        foreach (var (key, value) in Metadata)
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return model;
    }

    public byte[] ToBytes() => ToModel().ToByteArray();

    private void Declare(string name, long[] shape, TensorProto.Types.DataType type)
    {
        if (!_shapes.TryAdd(name, shape))
            throw new InvalidOperationException($"The graph already has a value named '{name}'.");
        _types[name] = type;
        _counters.TryAdd(name, 0);
    }

    private static ValueInfoProto ValueInfo(string name, long[] shape, TensorProto.Types.DataType type)
    {
        var tensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = new TensorShapeProto() };
        for (int i = 0; i < shape.Length; i++)
        {
            var dim = new TensorShapeProto.Types.Dimension();
            if (shape[i] >= 0)
                dim.DimValue = shape[i];
            else
                dim.DimParam = $"{name}_d{i}";
            tensorType.Shape.Dim.Add(dim);
        }
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensorType } };
    }
}

/// <summary>See <see cref="GraphBuilder.GradientShortcuts"/>: names as written when the shortcut was added (resolved at use).</summary>
internal sealed record GradientShortcut(string Output, string Input, string Bypassed, Func<GraphBuilder, string, string> InputGradient);

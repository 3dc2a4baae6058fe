using Onnx;

namespace MLNet.SoftTargets.Graphs.Autodiff;

/// <summary>What a gradient rule sees of one forward node: its inputs and outputs, the gradients of its outputs, and a sink for its input gradients.</summary>
internal sealed class GradientContext
{
    private readonly Func<string, bool> _needsGradient;
    private readonly Action<string, string> _addGradient;
    private readonly string?[] _outputGradients;

    public GradientContext(GraphBuilder builder, NodeProto node, string?[] outputGradients, Func<string, bool> needsGradient, Action<string, string> addGradient)
    {
        Builder = builder;
        Node = node;
        _outputGradients = outputGradients;
        _needsGradient = needsGradient;
        _addGradient = addGradient;
    }

    public GraphBuilder Builder { get; }

    public NodeProto Node { get; }

    public string Input(int index) => Node.Input[index];

    public int InputCount => Node.Input.Count(i => i.Length > 0);

    public string Output(int index = 0) => Node.Output[index];

    /// <summary>The gradient flowing into output <paramref name="index"/>, or null when that output does not reach the loss.</summary>
    public string? OutputGradient(int index = 0) => index < _outputGradients.Length ? _outputGradients[index] : null;

    /// <summary>True when input <paramref name="index"/> depends on a value being differentiated.</summary>
    public bool NeedsGradient(int index) => index < Node.Input.Count && Node.Input[index].Length > 0 && _needsGradient(Node.Input[index]);

    /// <summary>Contributes <paramref name="gradient"/> (same shape as the input) to input <paramref name="index"/>.</summary>
    public void AddGradient(int index, string gradient)
    {
        if (NeedsGradient(index))
            _addGradient(Node.Input[index], gradient);
    }

    /// <summary>
    /// Undoes NumPy broadcasting: sums <paramref name="gradient"/> over the axes along which input
    /// <paramref name="target"/> was broadcast (leading axes it lacks, and axes where it has size 1), then
    /// reshapes to the target's run-time shape. A bias gradient thus reduces over the batch axis.
    /// </summary>
    public string Unbroadcast(string gradient, string target)
    {
        var g = Builder;
        var gradientShape = g.Shape(gradient);
        var targetShape = g.Shape(target);
        if (gradientShape.SequenceEqual(targetShape) && targetShape.All(d => d != GraphBuilder.Dynamic))
            return gradient;
        int lead = gradientShape.Length - targetShape.Length;
        var axes = new List<long>();
        for (int i = 0; i < gradientShape.Length; i++)
        {
            if (i < lead || (targetShape[i - lead] == 1 && gradientShape[i] != 1))
                axes.Add(i);
        }
        if (axes.Count == 0)
            return gradientShape.SequenceEqual(targetShape) ? gradient : g.ReshapeLike(gradient, target);
        var summed = g.ReduceSum(gradient, [.. axes], keepDims: true);
        return g.ReshapeLike(summed, target);
    }
}

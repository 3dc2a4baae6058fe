using MLNet.SoftTargets.Backbones;

namespace MLNet.SoftTargets.Graphs.Blocks;

/// <summary>
/// A classifier on feature vectors: an optional trunk of fully connected ReLU layers, then either a linear layer
/// (logits = h·W + b) or a cosine layer (logits = s · (h/‖h‖)·(W/‖W‖), fixed scale s, no bias — the
/// normalised softmax of face recognition, where label smoothing can shrink only the angle, not the norm).
/// Parameters are named <c>layer{i}.weight</c> ([in, out]) and <c>layer{i}.bias</c> ([out]).
/// </summary>
internal sealed class ClassifierHead
{
    private const double NormEpsilon = 1e-12;

    public ClassifierHead(int inputSize, int classCount, IReadOnlyList<int> hiddenSizes, double? cosineScale, BackboneTop? backbone = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 2);
        if (hiddenSizes.Any(h => h < 1))
            throw new ArgumentOutOfRangeException(nameof(hiddenSizes), string.Join(",", hiddenSizes), "Hidden layer sizes must be at least 1.");
        if (cosineScale is { } s && !(s > 0 && double.IsFinite(s)))
            throw new ArgumentOutOfRangeException(nameof(cosineScale), s, "The cosine scale must be a finite number > 0.");
        InputSize = inputSize;
        ClassCount = classCount;
        HiddenSizes = [.. hiddenSizes];
        CosineScale = cosineScale;
        Backbone = backbone;
        if (backbone is not null && backbone.CutSize != inputSize)
            throw new ArgumentException($"With a backbone the head's input is the cut activation ({backbone.CutSize} values), not {inputSize}.", nameof(inputSize));
    }

    /// <summary>The size of what <see cref="Forward"/> reads: the features, or the backbone's cut activations.</summary>
    public int InputSize { get; }

    /// <summary>The pretrained backbone below the head (its top layers trainable), or null.</summary>
    public BackboneTop? Backbone { get; }

    /// <summary>The size of one raw example: the backbone's input, or <see cref="InputSize"/> without a backbone.</summary>
    public int RawInputSize => Backbone?.InputSize ?? InputSize;

    /// <summary>The fan-in of the first head layer.</summary>
    private int HeadInputSize => Backbone?.OutputSize ?? InputSize;

    public int ClassCount { get; }

    public IReadOnlyList<int> HiddenSizes { get; }

    /// <summary>The fixed scale s of a cosine head; null for a linear head.</summary>
    public double? CosineScale { get; }

    /// <summary>Width of the penultimate features (the embedding).</summary>
    public int EmbeddingSize => HiddenSizes.Count > 0 ? HiddenSizes[^1] : HeadInputSize;

    /// <summary>
    /// The parameters with PyTorch's default initialisation of a linear layer: weights and biases uniform in
    /// ±1/√fan_in (Kaiming-uniform with a = √5), drawn from <paramref name="random"/> in a fixed order.
    /// </summary>
    public IReadOnlyList<ParameterSpec> CreateParameters(Random random)
    {
        // The backbone's trainable tensors keep their pretrained values and draw nothing from the generator, so a
        // frozen backbone initialises the head exactly as a plain head on the same features would.
        var parameters = new List<ParameterSpec>(Backbone?.Parameters() ?? []);
        int fanIn = HeadInputSize;
        int layer = 0;
        foreach (int width in HiddenSizes.Append(ClassCount))
        {
            bool isCosine = layer == HiddenSizes.Count && CosineScale is not null;
            double bound = 1 / Math.Sqrt(fanIn);
            parameters.Add(new ParameterSpec($"layer{layer}.weight", [fanIn, width], Uniform(random, fanIn * width, bound)));
            if (!isCosine)
                parameters.Add(new ParameterSpec($"layer{layer}.bias", [width], Uniform(random, width, bound)));
            fanIn = width;
            layer++;
        }
        return parameters;
    }

    /// <summary>
    /// Adds the forward pass from <see cref="InputSize"/>-wide rows (features, or the backbone's cut activations);
    /// <paramref name="parameter"/> maps a parameter name to its graph value.
    /// </summary>
    public (string Logits, string Embedding) Forward(GraphBuilder g, string features, Func<string, string> parameter) =>
        Layers(g, Backbone?.ForwardFromCut(g, features, parameter) ?? features, parameter);

    /// <summary>Adds the forward pass from raw examples (<see cref="RawInputSize"/> wide): the whole backbone, then the head.</summary>
    public (string Logits, string Embedding) ForwardRaw(GraphBuilder g, string raw, Func<string, string> parameter) =>
        Layers(g, Backbone?.ForwardFromInput(g, raw, parameter) ?? raw, parameter);

    private (string Logits, string Embedding) Layers(GraphBuilder g, string features, Func<string, string> parameter)
    {
        string h = features;
        int layer = 0;
        for (; layer < HiddenSizes.Count; layer++)
            h = g.Relu(g.Gemm(h, parameter($"layer{layer}.weight"), parameter($"layer{layer}.bias")));
        string embedding = h;
        if (CosineScale is not { } scale)
            return (g.Gemm(h, parameter($"layer{layer}.weight"), parameter($"layer{layer}.bias")), embedding);

        // ‖h‖ per row and ‖W‖ per class column; ε inside the square root keeps zero vectors finite.
        var w = parameter($"layer{layer}.weight");
        var eps = g.Scalar(NormEpsilon);
        var hNorm = g.Sqrt(g.Add(g.ReduceSum(g.Mul(h, h), [1], keepDims: true), eps));
        var wNorm = g.Sqrt(g.Add(g.ReduceSum(g.Mul(w, w), [0], keepDims: true), eps));
        var cosine = g.MatMul(g.Div(h, hNorm), g.Div(w, wNorm));
        return (g.Mul(cosine, g.Scalar(scale)), embedding);
    }

    private static float[] Uniform(Random random, int count, double bound)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
            values[i] = (float)((random.NextDouble() * 2 - 1) * bound);
        return values;
    }
}

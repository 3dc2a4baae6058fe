using Onnx;

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

    public ClassifierHead(int inputSize, int classCount, IReadOnlyList<int> hiddenSizes, double? cosineScale)
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
    }

    public int InputSize { get; }

    public int ClassCount { get; }

    public IReadOnlyList<int> HiddenSizes { get; }

    /// <summary>The fixed scale s of a cosine head; null for a linear head.</summary>
    public double? CosineScale { get; }

    /// <summary>Width of the penultimate features (the embedding).</summary>
    public int EmbeddingSize => HiddenSizes.Count > 0 ? HiddenSizes[^1] : InputSize;

    /// <summary>
    /// The parameters with PyTorch's default initialisation of a linear layer: weights and biases uniform in
    /// ±1/√fan_in (Kaiming-uniform with a = √5), drawn from <paramref name="random"/> in a fixed order.
    /// </summary>
    public IReadOnlyList<ParameterSpec> CreateParameters(Random random)
    {
        var parameters = new List<ParameterSpec>();
        int fanIn = InputSize;
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

    /// <summary>Adds the forward pass; <paramref name="parameter"/> maps a parameter name to its graph value.</summary>
    public (string Logits, string Embedding) Forward(GraphBuilder g, string features, Func<string, string> parameter)
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

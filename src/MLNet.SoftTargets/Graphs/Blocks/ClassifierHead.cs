namespace MLNet.SoftTargets.Graphs.Blocks;

/// <summary>
/// A classifier on feature vectors: an optional trunk of fully connected ReLU layers, then either a linear layer
/// (logits = h·W + b) or a cosine layer (logits = s · (h/‖h‖)·(W/‖W‖), fixed scale s, no bias — the
/// normalised softmax of face recognition, where label smoothing can shrink only the angle, not the norm).
/// Parameters are named <c>layer{i}.weight</c> ([in, out]) and <c>layer{i}.bias</c> ([out]). The head knows nothing
/// of what computes its input; <see cref="ClassifierNetwork"/> puts it on a pretrained trunk.
/// </summary>
internal sealed class ClassifierHead
{
    private const double NormEpsilon = 1e-12;

    /// <exception cref="ArgumentOutOfRangeException">A size is below its minimum, or the cosine scale is not a finite number &gt; 0.</exception>
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
        Parameters = Layers().SelectMany(l => l.IsCosine
            ? new[] { new ParameterShape(WeightName(l.Index), [l.FanIn, l.Width]) }
            : [new ParameterShape(WeightName(l.Index), [l.FanIn, l.Width]), new ParameterShape(BiasName(l.Index), [l.Width])]).ToArray();
    }

    /// <summary>The fan-in of the first layer.</summary>
    public int InputSize { get; }

    public int ClassCount { get; }

    public IReadOnlyList<int> HiddenSizes { get; }

    /// <summary>The fixed scale s of a cosine head; null for a linear head.</summary>
    public double? CosineScale { get; }

    /// <summary>Width of the penultimate features (the embedding).</summary>
    public int EmbeddingSize => HiddenSizes.Count > 0 ? HiddenSizes[^1] : InputSize;

    /// <summary>The weights and biases, layer by layer (a cosine layer has no bias).</summary>
    public IReadOnlyList<ParameterShape> Parameters { get; }

    /// <summary>The last layer's weight [<see cref="EmbeddingSize"/>, K]: its columns are the class templates.</summary>
    public string LastWeightName => WeightName(HiddenSizes.Count);

    /// <summary>
    /// PyTorch's default initialisation of a linear layer: weights and biases uniform in ±1/√fan_in (Kaiming-uniform
    /// with a = √5), drawn from <paramref name="random"/> layer by layer, weight before bias, into <paramref name="into"/>.
    /// </summary>
    public void Initialize(Random random, IDictionary<string, float[]> into)
    {
        foreach (var layer in Layers())
        {
            double bound = 1 / Math.Sqrt(layer.FanIn);
            into[WeightName(layer.Index)] = Uniform(random, layer.FanIn * layer.Width, bound);
            if (!layer.IsCosine)
                into[BiasName(layer.Index)] = Uniform(random, layer.Width, bound);
        }
    }

    /// <summary>
    /// Adds the forward pass from <see cref="InputSize"/>-wide rows; <paramref name="parameter"/> maps a parameter name
    /// to its graph value. Returns the logits [N, K] and the penultimate features [N, E].
    /// </summary>
    public (string Logits, string Embedding) Forward(GraphBuilder g, string features, Func<string, string> parameter)
    {
        string h = features;
        int layer = 0;
        for (; layer < HiddenSizes.Count; layer++)
            h = g.Relu(g.Gemm(h, parameter(WeightName(layer)), parameter(BiasName(layer))));
        string embedding = h;
        if (CosineScale is not { } scale)
            return (g.Gemm(h, parameter(WeightName(layer)), parameter(BiasName(layer))), embedding);

        // ‖h‖ per row and ‖W‖ per class column; ε inside the square root keeps zero vectors finite.
        var w = parameter(WeightName(layer));
        var eps = g.Scalar(NormEpsilon);
        var hNorm = g.Sqrt(g.Add(g.ReduceSum(g.Mul(h, h), [1], keepDims: true), eps));
        var wNorm = g.Sqrt(g.Add(g.ReduceSum(g.Mul(w, w), [0], keepDims: true), eps));
        var cosine = g.MatMul(g.Div(h, hNorm), g.Div(w, wNorm));
        return (g.Mul(cosine, g.Scalar(scale)), embedding);
    }

    private static string WeightName(int layer) => $"layer{layer}.weight";

    private static string BiasName(int layer) => $"layer{layer}.bias";

    private IEnumerable<(int Index, int FanIn, int Width, bool IsCosine)> Layers()
    {
        int fanIn = InputSize;
        int index = 0;
        foreach (int width in HiddenSizes.Append(ClassCount))
        {
            yield return (index, fanIn, width, index == HiddenSizes.Count && CosineScale is not null);
            fanIn = width;
            index++;
        }
    }

    private static float[] Uniform(Random random, int count, double bound)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
            values[i] = (float)((random.NextDouble() * 2 - 1) * bound);
        return values;
    }
}

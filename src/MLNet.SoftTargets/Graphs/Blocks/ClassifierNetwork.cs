namespace MLNet.SoftTargets.Graphs.Blocks;

/// <summary>
/// The one description of what is trained and scored: a <see cref="ClassifierHead"/>, optionally on a pretrained
/// trunk (<see cref="IPretrainedTrunk"/>). It owns the sizes (what a training step reads, what a raw example holds),
/// the parameter names and shapes (trunk tensors first, then the head's layers), their initialisation, and the
/// forward pass from either end. The training-step and inference graphs are built from it.
/// </summary>
internal sealed class ClassifierNetwork
{
    /// <exception cref="ArgumentException">The head's fan-in differs from the trunk's output size.</exception>
    public ClassifierNetwork(ClassifierHead head, IPretrainedTrunk? trunk = null)
    {
        if (trunk is not null && trunk.OutputSize != head.InputSize)
            throw new ArgumentException($"The head reads {head.InputSize} values but the pretrained trunk outputs {trunk.OutputSize}.", nameof(head));
        Head = head;
        Trunk = trunk;
        Parameters = [.. trunk?.Parameters ?? [], .. head.Parameters];
    }

    public ClassifierHead Head { get; }

    /// <summary>The pretrained trunk below the head, or null.</summary>
    public IPretrainedTrunk? Trunk { get; }

    /// <summary>Values per example that the training step reads: the trunk's cut activations, or the features.</summary>
    public int InputSize => Trunk?.CutSize ?? Head.InputSize;

    /// <summary>Values per raw example: the trunk's input, or the features.</summary>
    public int RawInputSize => Trunk?.InputSize ?? Head.InputSize;

    public int ClassCount => Head.ClassCount;

    public int EmbeddingSize => Head.EmbeddingSize;

    /// <summary>Every trainable tensor: the trunk's (pretrained) first, then the head's layers.</summary>
    public IReadOnlyList<ParameterShape> Parameters { get; }

    /// <summary>
    /// Initial values by name: the trunk's pretrained tensors (they draw no random numbers, so a frozen trunk leaves the
    /// head initialised exactly as a plain head on the same features), then the head drawn from <c>new Random(seed)</c>.
    /// </summary>
    public Dictionary<string, float[]> Initialize(int seed)
    {
        var values = new Dictionary<string, float[]>();
        foreach (var p in Trunk?.Parameters ?? [])
            values[p.Name] = Trunk!.PretrainedValue(p.Name);
        Head.Initialize(new Random(seed), values);
        return values;
    }

    /// <summary>Checks that <paramref name="values"/> holds every parameter with its shape's number of values.</summary>
    /// <exception cref="ArgumentException">A parameter is missing or has another size; the message names it and its shape.</exception>
    public void CheckValues(IReadOnlyDictionary<string, float[]> values, string paramName)
    {
        foreach (var p in Parameters)
        {
            if (!values.TryGetValue(p.Name, out var v) || v.Length != p.Length)
                throw new ArgumentException($"Parameter '{p.Name}' needs {p.Length} values ({string.Join("×", p.Shape)}), got {(v is null ? "none" : v.Length.ToString(System.Globalization.CultureInfo.InvariantCulture))}.", paramName);
        }
    }

    /// <summary>The forward pass from <see cref="InputSize"/>-wide rows (features, or the trunk's cut activations).</summary>
    public (string Logits, string Embedding) Forward(GraphBuilder g, string input, Func<string, string> parameter) =>
        Head.Forward(g, Trunk?.ForwardFromCut(g, input, parameter) ?? input, parameter);

    /// <summary>The forward pass from raw examples (<see cref="RawInputSize"/> wide): the whole trunk, then the head.</summary>
    public (string Logits, string Embedding) ForwardRaw(GraphBuilder g, string raw, Func<string, string> parameter) =>
        Head.Forward(g, Trunk?.ForwardFromInput(g, raw, parameter) ?? raw, parameter);
}

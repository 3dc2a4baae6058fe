namespace MLNet.SoftTargets.Graphs.Blocks;

/// <summary>
/// A pretrained network below the classifier head, split at a cut: the part below the cut is frozen and runs once per
/// example (its outputs are cached), the part above it is differentiated and its tensors train. Implemented by
/// <c>Backbones.BackboneTop</c>; declared here so that the network description needs nothing from the backbone code.
/// </summary>
internal interface IPretrainedTrunk
{
    /// <summary>Values of one raw example (the trunk's input, flattened).</summary>
    int InputSize { get; }

    /// <summary>Values of one example's cut activations (what the training step reads).</summary>
    int CutSize { get; }

    /// <summary>Values of one example's trunk output, flattened (the head's fan-in).</summary>
    int OutputSize { get; }

    /// <summary>The trainable tensors above the cut, in a fixed order.</summary>
    IReadOnlyList<ParameterShape> Parameters { get; }

    /// <summary>The pretrained value of the trainable tensor <paramref name="name"/>.</summary>
    float[] PretrainedValue(string name);

    /// <summary>Cut activations [N, CutSize] → trunk output [N, OutputSize]; <paramref name="parameter"/> maps a parameter name to its graph value.</summary>
    string ForwardFromCut(GraphBuilder g, string cut, Func<string, string> parameter);

    /// <summary>Raw examples [N, InputSize] → trunk output [N, OutputSize], the frozen part as constants.</summary>
    string ForwardFromInput(GraphBuilder g, string raw, Func<string, string> parameter);
}

namespace MLNet.SoftTargets.Graphs.Autodiff.Rules;

/// <summary>
/// Y = concat(X₀, X₁, …, axis): dXᵢ = Slice(dY, [oᵢ, oᵢ + sizeᵢ)) along the axis, with oᵢ the summed sizes of the inputs
/// before Xᵢ (static sizes along the axis).
/// </summary>
internal sealed class ConcatRule : IGradientRule
{
    public string OpType => "Concat";

    public void Backward(GradientContext c)
    {
        var g = c.Builder;
        var dy = c.OutputGradient()!;
        long axis = Attr.GetInt(c.Node, "axis", 0);
        int rank = g.Rank(dy);
        if (axis < 0)
            axis += rank;
        long offset = 0;
        for (int i = 0; i < c.Node.Input.Count; i++)
        {
            long size = g.Shape(c.Input(i))[axis];
            if (size < 0)
                throw new NotSupportedException($"Concat '{c.Output()}': input {i} has a dynamic size along axis {axis}; its gradient needs a static one.");
            if (c.NeedsGradient(i))
                c.AddGradient(i, g.Slice(dy, axis, offset, offset + size));
            offset += size;
        }
    }
}

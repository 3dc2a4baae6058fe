namespace MLNet.SoftTargets.Graphs.Autodiff.Rules;

/// <summary>Shared by the reduction rules: sends an output gradient back to every element that was reduced.</summary>
internal static class ReductionGradient
{
    /// <summary>The axes of a ReduceSum node (its second input, a constant), or empty for "all axes".</summary>
    public static long[] InputAxes(GradientContext c)
    {
        if (c.Node.Input.Count < 2 || c.Node.Input[1].Length == 0)
            return [];
        return c.Builder.ConstantInt64s(c.Node.Input[1])
            ?? throw new NotSupportedException($"ReduceSum '{c.Output()}': axes must be a constant to be differentiated.");
    }

    public static string Spread(GradientContext c, string dy, long[] axes)
    {
        var g = c.Builder;
        var x = c.Input(0);
        bool keepDims = Attr.GetInt(c.Node, "keepdims", 1) == 1;
        if (!keepDims && axes.Length > 0)
            dy = g.Unsqueeze(dy, Ops.NormalizeAxes(axes, g.Rank(x)));
        else if (!keepDims)
            dy = g.Reshape(dy, Enumerable.Repeat(1L, g.Rank(x)).ToArray());
        return g.ExpandLike(dy, x);
    }
}

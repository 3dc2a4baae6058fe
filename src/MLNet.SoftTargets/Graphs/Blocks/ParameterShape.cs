namespace MLNet.SoftTargets.Graphs.Blocks;

/// <summary>A trainable tensor as the graphs see it: its name and shape (row-major). Values travel separately, by name.</summary>
internal sealed record ParameterShape(string Name, long[] Shape)
{
    /// <summary>The number of values, the product of <see cref="Shape"/>.</summary>
    public int Length => (int)Shape.Aggregate(1L, (p, d) => p * d);
}

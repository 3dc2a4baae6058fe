namespace MLNet.SoftTargets.Graphs;

internal static partial class Ops
{
    public static string Softmax(this GraphBuilder g, string x, long axis = -1) => g.Node("Softmax", [x], g.Shape(x), Attr.Int("axis", axis));

    public static string LogSoftmax(this GraphBuilder g, string x, long axis = -1) => g.Node("LogSoftmax", [x], g.Shape(x), Attr.Int("axis", axis));

    /// <summary>Sum over <paramref name="axes"/> (all axes when empty).</summary>
    public static string ReduceSum(this GraphBuilder g, string x, long[] axes, bool keepDims)
    {
        var inputs = axes.Length == 0 ? new[] { x } : [x, g.Int64s(axes)];
        return g.Node("ReduceSum", inputs, ReducedShape(g.Shape(x), axes, keepDims), Attr.Int("keepdims", keepDims ? 1 : 0));
    }

    /// <summary>Mean over <paramref name="axes"/> (all axes when empty); axes are an attribute at opset 17.</summary>
    public static string ReduceMean(this GraphBuilder g, string x, long[] axes, bool keepDims)
    {
        var attributes = axes.Length == 0
            ? new[] { Attr.Int("keepdims", keepDims ? 1 : 0) }
            : [Attr.Int("keepdims", keepDims ? 1 : 0), Attr.Ints("axes", axes)];
        return g.Node("ReduceMean", [x], ReducedShape(g.Shape(x), axes, keepDims), attributes);
    }

    /// <summary>Normalises negative axes to <c>0..rank-1</c>.</summary>
    public static long[] NormalizeAxes(long[] axes, int rank) => axes.Select(a => a < 0 ? a + rank : a).Order().ToArray();

    private static long[] ReducedShape(long[] shape, long[] axes, bool keepDims)
    {
        var reduced = axes.Length == 0 ? Enumerable.Range(0, shape.Length).Select(i => (long)i).ToArray() : NormalizeAxes(axes, shape.Length);
        var result = new List<long>();
        for (int i = 0; i < shape.Length; i++)
        {
            if (!reduced.Contains(i))
                result.Add(shape[i]);
            else if (keepDims)
                result.Add(1);
        }
        return [.. result];
    }
}

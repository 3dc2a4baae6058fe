using Onnx;

namespace MLNet.SoftTargets.Graphs;

internal static partial class Ops
{
    /// <summary>The run-time shape of <paramref name="x"/> as a 1-D int64 tensor.</summary>
    public static string ShapeOf(this GraphBuilder g, string x) =>
        g.Node("Shape", [x], [g.Rank(x)], TensorProto.Types.DataType.Int64);

    /// <summary>Reshape to a static target (ONNX semantics: 0 copies the input dimension, one -1 is inferred).</summary>
    public static string Reshape(this GraphBuilder g, string x, long[] shape)
    {
        var input = g.Shape(x);
        var output = new long[shape.Length];
        for (int i = 0; i < shape.Length; i++)
            output[i] = shape[i] == 0 ? input[i] : shape[i];
        int inferred = Array.IndexOf(output, -1L);
        if (inferred >= 0 && input.All(d => d >= 0) && output.Count(d => d < 0) == 1)
            output[inferred] = input.Aggregate(1L, (p, d) => p * d) / output.Where(d => d >= 0).Aggregate(1L, (p, d) => p * d);
        return g.Node("Reshape", [x, g.Int64s(shape)], output);
    }

    /// <summary>Reshape to the run-time shape of <paramref name="like"/>.</summary>
    public static string ReshapeLike(this GraphBuilder g, string x, string like) =>
        g.Node("Reshape", [x, g.ShapeOf(like)], g.Shape(like));

    /// <summary>Broadcasts <paramref name="x"/> to the run-time shape of <paramref name="like"/>.</summary>
    public static string ExpandLike(this GraphBuilder g, string x, string like) =>
        g.Node("Expand", [x, g.ShapeOf(like)], g.Shape(like));

    public static string Transpose(this GraphBuilder g, string x, long[] perm)
    {
        var shape = g.Shape(x);
        return g.Node("Transpose", [x], perm.Select(p => shape[p]).ToArray(), Attr.Ints("perm", perm));
    }

    public static string Unsqueeze(this GraphBuilder g, string x, long[] axes)
    {
        var shape = g.Shape(x).ToList();
        foreach (var axis in NormalizeAxes(axes, shape.Count + axes.Length))
            shape.Insert((int)axis, 1);
        return g.Node("Unsqueeze", [x, g.Int64s(axes)], [.. shape]);
    }

    /// <summary>The number of elements of <paramref name="x"/>, as a scalar of the element type.</summary>
    public static string SizeOf(this GraphBuilder g, string x) =>
        g.CastToElement(g.Node("Size", [x], [], TensorProto.Types.DataType.Int64));
}

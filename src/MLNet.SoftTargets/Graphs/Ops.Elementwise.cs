using Onnx;

namespace MLNet.SoftTargets.Graphs;

/// <summary>
/// Typed helpers that add one ONNX node each and propagate static shapes. Split by concern:
/// element-wise, linear algebra, reductions and shape manipulation.
/// </summary>
internal static partial class Ops
{
    public static string Add(this GraphBuilder g, string a, string b) => g.Binary("Add", a, b);

    public static string Sub(this GraphBuilder g, string a, string b) => g.Binary("Sub", a, b);

    public static string Mul(this GraphBuilder g, string a, string b) => g.Binary("Mul", a, b);

    public static string Div(this GraphBuilder g, string a, string b) => g.Binary("Div", a, b);

    public static string Pow(this GraphBuilder g, string a, string b) => g.Binary("Pow", a, b);

    public static string Neg(this GraphBuilder g, string x) => g.Unary("Neg", x);

    public static string Relu(this GraphBuilder g, string x) => g.Unary("Relu", x);

    public static string Tanh(this GraphBuilder g, string x) => g.Unary("Tanh", x);

    public static string Sigmoid(this GraphBuilder g, string x) => g.Unary("Sigmoid", x);

    public static string Exp(this GraphBuilder g, string x) => g.Unary("Exp", x);

    public static string Log(this GraphBuilder g, string x) => g.Unary("Log", x);

    public static string Sqrt(this GraphBuilder g, string x) => g.Unary("Sqrt", x);

    public static string Identity(this GraphBuilder g, string x) => g.Unary("Identity", x);

    /// <summary>Element-wise comparison <c>a &gt; b</c> (bool output, broadcast).</summary>
    public static string Greater(this GraphBuilder g, string a, string b) =>
        g.Node("Greater", [a, b], BroadcastShape(g.Shape(a), g.Shape(b)), TensorProto.Types.DataType.Bool);

    public static string IsNaN(this GraphBuilder g, string x) =>
        g.Node("IsNaN", [x], g.Shape(x), TensorProto.Types.DataType.Bool);

    /// <summary><c>condition ? a : b</c>, broadcast.</summary>
    public static string Where(this GraphBuilder g, string condition, string a, string b) =>
        g.Node("Where", [condition, a, b], BroadcastShape(g.Shape(condition), BroadcastShape(g.Shape(a), g.Shape(b))), g.TypeOf(a));

    /// <summary>Casts to the builder's element type.</summary>
    public static string CastToElement(this GraphBuilder g, string x) =>
        g.Node("Cast", [x], g.Shape(x), Attr.Int("to", (long)g.ElementType));

    private static string Unary(this GraphBuilder g, string op, string x) => g.Node(op, [x], g.Shape(x));

    private static string Binary(this GraphBuilder g, string op, string a, string b) =>
        g.Node(op, [a, b], BroadcastShape(g.Shape(a), g.Shape(b)));

    /// <summary>NumPy broadcasting of static shapes (right-aligned); a dynamic dimension against 1 stays dynamic.</summary>
    public static long[] BroadcastShape(long[] a, long[] b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new long[rank];
        for (int i = 0; i < rank; i++)
        {
            long da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            long db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da == db || db == 1)
                result[i] = da;
            else if (da == 1)
                result[i] = db;
            else if (da == GraphBuilder.Dynamic || db == GraphBuilder.Dynamic)
                result[i] = da == GraphBuilder.Dynamic ? db : da;
            else
                throw new InvalidOperationException($"Shapes [{string.Join(",", a)}] and [{string.Join(",", b)}] do not broadcast.");
        }
        return result;
    }
}

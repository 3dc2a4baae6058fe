using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using MLNet.SoftTargets.Backbones;
using MLNet.SoftTargets.Graphs;

namespace MLNet.SoftTargets.Tests.Backbones;

/// <summary>
/// The import of backbone window ops (Conv, MaxPool, AveragePool) with <c>auto_pad</c> and <c>ceil_mode</c>: the
/// imported node (explicit pads, floor mode — what the gradient rules read) computes exactly what ONNX Runtime computes
/// for the original node, values and shape.
/// </summary>
[TestClass]
public sealed class BackboneWindowImportTests
{
    public static IEnumerable<object[]> Windows()
    {
        foreach (int size in new[] { 7, 8 })
        {
            foreach (string autoPad in new[] { "SAME_UPPER", "SAME_LOWER", "VALID" })
            {
                yield return ["Conv", size, autoPad, 0, 2, 0];
                yield return ["MaxPool", size, autoPad, 0, 2, 0];
            }
            foreach (int pad in new[] { 0, 1 })
            {
                yield return ["MaxPool", size, "NOTSET", 1, 2, pad];
                yield return ["AveragePool", size, "NOTSET", 1, 2, pad];
                yield return ["MaxPool", size, "NOTSET", 1, 3, pad];
                yield return ["Conv", size, "NOTSET", 0, 2, pad];
            }
        }
    }

    [TestMethod]
    [DynamicData(nameof(Windows))]
    public void AnImportedWindowOp_ComputesWhatOnnxRuntimeComputesForTheOriginal(string op, int size, string autoPad, int ceilMode, int stride, int pad)
    {
        var random = new Random(size * 31 + stride);
        var node = new NodeProto { OpType = op, Name = "window", Input = { "x" }, Output = { "y" } };
        node.Attribute.Add(Attr.Ints("kernel_shape", 3, 3));
        node.Attribute.Add(Attr.Ints("strides", stride, stride));
        if (autoPad != "NOTSET")
            node.Attribute.Add(new AttributeProto { Name = "auto_pad", Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(autoPad) });
        else
            node.Attribute.Add(Attr.Ints("pads", pad, pad, pad, pad));
        if (ceilMode == 1)
            node.Attribute.Add(Attr.Int("ceil_mode", 1));
        var graph = new GraphProto { Name = "original", Node = { node } };
        if (op == "Conv")
        {
            node.Input.Add("w");
            var w = new TensorProto { Name = "w", DataType = (int)TensorProto.Types.DataType.Float, Dims = { 2, 2, 3, 3 } };
            w.FloatData.AddRange(Enumerable.Range(0, 36).Select(_ => (float)(random.NextDouble() - 0.5)));
            graph.Initializer.Add(w);
        }
        graph.Input.Add(ValueInfo("x", [1, 2, size, size]));
        graph.Output.Add(new ValueInfoProto { Name = "y", Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } } });
        var original = new ModelProto { IrVersion = 8, Graph = graph, OpsetImport = { new OperatorSetIdProto { Domain = "", Version = 17 } } };

        var g = new GraphBuilder();
        var x = g.AddInput("x", [1, 2, size, size]);
        var y = BackboneImport.Import(g, original, "x", x, "y", _ => null);
        g.AddOutput(y, "y");
        var imported = g.ToModel();
        var importedNode = imported.Graph.Node.Single(n => n.OpType == op);
        Assert.IsFalse(importedNode.Attribute.Any(a => a.Name is "auto_pad" or "ceil_mode"), "explicit pads, floor mode");

        var input = Enumerable.Range(0, 2 * size * size).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var (expected, expectedShape) = Run(original, input, size);
        var (actual, actualShape) = Run(imported, input, size);
        CollectionAssert.AreEqual(expectedShape, actualShape, $"shape {string.Join("×", actualShape)}");
        CollectionAssert.AreEqual(expectedShape, g.Shape(y).ToArray(), "the builder's shape");
        for (int i = 0; i < expected.Length; i++)
            Assert.AreEqual(expected[i], actual[i], 1e-6f, $"value {i}");
    }

    [TestMethod]
    public void AnAveragePoolInCeilModeCountingPads_IsRefusedWithItsName()
    {
        var node = new NodeProto { OpType = "AveragePool", Name = "pool5", Input = { "x" }, Output = { "y" } };
        node.Attribute.Add(Attr.Ints("kernel_shape", 3, 3));
        node.Attribute.Add(Attr.Ints("strides", 2, 2));
        node.Attribute.Add(Attr.Int("ceil_mode", 1));
        node.Attribute.Add(Attr.Int("count_include_pad", 1));
        var graph = new GraphProto { Node = { node }, Input = { ValueInfo("x", [1, 1, 8, 8]) } };
        var model = new ModelProto { IrVersion = 8, Graph = graph, OpsetImport = { new OperatorSetIdProto { Version = 17 } } };
        var g = new GraphBuilder();
        var e = Assert.ThrowsExactly<NotSupportedException>(() => BackboneImport.Import(g, model, "x", g.AddInput("x", [1, 1, 8, 8]), "y", _ => null));
        StringAssert.Contains(e.Message, "'pool5'");
    }

    private static (float[] Values, long[] Shape) Run(ModelProto model, float[] input, int size)
    {
        using var session = new InferenceSession(model.ToByteArray());
        using var runOptions = new RunOptions();
        using var x = OrtValue.CreateTensorValueFromMemory(input, [1, 2, size, size]);
        using var outputs = session.Run(runOptions, ["x"], [x], ["y"]);
        return (outputs[0].GetTensorDataAsSpan<float>().ToArray(), outputs[0].GetTensorTypeAndShape().Shape);
    }

    private static ValueInfoProto ValueInfo(string name, long[] shape)
    {
        var tensor = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = new TensorShapeProto() };
        foreach (long d in shape)
            tensor.Shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensor } };
    }
}

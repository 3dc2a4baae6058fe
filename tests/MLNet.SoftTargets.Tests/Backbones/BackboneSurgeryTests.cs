using Onnx;
using MLNet.SoftTargets.Backbones;
using MLNet.SoftTargets.Graphs;
using MLNet.SoftTargets.Tests.Graphs;

namespace MLNet.SoftTargets.Tests.Backbones;

[TestClass]
public sealed class BackboneSurgeryTests
{
    /// <summary>
    /// A small residual network with a fixed batch of 1, like exported CNNs:
    /// x → Gemm(stem) → Relu = h0 → [block: Gemm → Relu → Gemm, + h0] → Relu = h1 → Gemm(top) → y.
    /// </summary>
    private static (ModelProto Model, string Stem, string BlockInput, string BlockOutput) Residual()
    {
        var g = new GraphBuilder(TensorProto.Types.DataType.Float);
        var random = new Random(3);
        string W(int rows, int cols) => g.AddInitializer("w", Enumerable.Range(0, rows * cols).Select(_ => random.NextDouble() - 0.5).ToArray(), [rows, cols]);
        var x = g.AddInput("x", [1, 4]);
        var h0 = g.Relu(g.Gemm(x, W(4, 6)));
        var inner = g.Gemm(g.Relu(g.Gemm(h0, W(6, 6))), W(6, 6));
        var h1 = g.Relu(g.Add(inner, h0));
        g.AddOutput(g.Gemm(h1, W(6, 3)), "y");
        return (g.ToModel(), h0, h0, h1);
    }

    [TestMethod]
    public void TheCutForTheTopLayers_IsTheSingleTensorTheyHang_From()
    {
        var (model, _, blockInput, blockOutput) = Residual();
        Assert.AreEqual("y", BackboneSurgery.FindCut(model, "y", BackboneSurgery.TopLayers(model, "y", 0)), "0 layers: nothing is unfrozen");
        Assert.AreEqual(blockOutput, BackboneSurgery.FindCut(model, "y", BackboneSurgery.TopLayers(model, "y", 1)));
        // The top layer and the block's second Gemm: the block's first Gemm and the skip both read the block input.
        Assert.AreEqual(blockInput, BackboneSurgery.FindCut(model, "y", BackboneSurgery.TopLayers(model, "y", 2)));
        Assert.AreEqual(blockInput, BackboneSurgery.FindCut(model, "y", BackboneSurgery.TopLayers(model, "y", 3)));
        Assert.AreEqual("x", BackboneSurgery.FindCut(model, "y", BackboneSurgery.TopLayers(model, "y", 4)), "everything above the input");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => BackboneSurgery.TopLayers(model, "y", 5));
    }

    [TestMethod]
    public void TheTruncatedBackbone_ComputesTheCutTensor_ForAnyBatchSize()
    {
        var (model, _, blockInput, _) = Residual();
        var symbolic = BackboneSurgery.WithSymbolicBatch(model);
        Assert.AreEqual("N", symbolic.Graph.Input.Single(i => i.Name == "x").Type.TensorType.Shape.Dim[0].DimParam);

        // Reference: the full model with the cut tensor added as an output, run one row at a time.
        var reference = symbolic.Clone();
        reference.Graph.Output.Add(new ValueInfoProto { Name = blockInput, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1 } } });
        var truncated = BackboneSurgery.Truncate(symbolic, blockInput);
        Assert.IsTrue(truncated.Graph.Node.Count < symbolic.Graph.Node.Count);
        using var full = new OnnxTestRunner(reference);
        using var part = new OnnxTestRunner(truncated);
        var x = new TestTensor([0.1, -0.2, 0.3, 0.4, 1, 0.5, -0.5, 0.25, -1, 0, 2, 1], [3, 4]);
        var cut = part.RunOne(new Dictionary<string, TestTensor> { ["x"] = x }, blockInput);
        CollectionAssert.AreEqual(new long[] { 3, 6 }, cut.Shape);
        for (int r = 0; r < 3; r++)
        {
            var row = new TestTensor(x.Data.Skip(r * 4).Take(4).ToArray(), [1, 4]);
            var expected = full.RunOne(new Dictionary<string, TestTensor> { ["x"] = row }, blockInput);
            for (int j = 0; j < 6; j++)
                Assert.AreEqual(expected.Data[j], cut.Data[r * 6 + j], 1e-6, $"row {r} slot {j}");
        }
    }
}

[TestClass]
public sealed class BackboneImportTests
{
    [TestMethod]
    public void ImportingABackboneIntoTheBuilder_ComputesTheSameOutput_AndListsItsTrainableWeights()
    {
        var g0 = new GraphBuilder(TensorProto.Types.DataType.Float);
        var random = new Random(5);
        string W(int rows, int cols) => g0.AddInitializer("w", Enumerable.Range(0, rows * cols).Select(_ => random.NextDouble() - 0.5).ToArray(), [rows, cols]);
        var x0 = g0.AddInput("x", [1, 4]);
        var h = g0.Relu(g0.Gemm(x0, W(4, 5), W(1, 5)));
        var block = g0.Relu(g0.Add(g0.Gemm(h, W(5, 5)), h));
        g0.AddOutput(g0.Gemm(block, W(5, 3)), "y");
        var model = BackboneSurgery.WithSymbolicBatch(g0.ToModel());

        var g = new GraphBuilder(TensorProto.Types.DataType.Float);
        var x = g.AddInput("input", [GraphBuilder.Dynamic, 4]);
        g.AddOutput(BackboneImport.Import(g, model, "x", x, "y", _ => null), "out");
        using var original = new OnnxTestRunner(model);
        using var imported = new OnnxTestRunner(g.ToModel());
        var data = new TestTensor([0.3, -0.1, 0.8, 0.2, -0.4, 0.5, 0.1, 0.9], [2, 4]);
        var expected = original.RunOne(new Dictionary<string, TestTensor> { ["x"] = data }, "y");
        var actual = imported.RunOne(new Dictionary<string, TestTensor> { ["input"] = data }, "out");
        CollectionAssert.AreEqual(expected.Data, actual.Data);

        var cut = BackboneSurgery.FindCut(model, "y", BackboneSurgery.TopLayers(model, "y", 2));
        var trainable = BackboneImport.TrainableInitializers(model, cut, "y").Select(t => string.Join("x", t.Dims)).ToArray();
        CollectionAssert.AreEquivalent(new[] { "5x5", "5x3" }, trainable, "the block's and the top layer's weights");
    }
}

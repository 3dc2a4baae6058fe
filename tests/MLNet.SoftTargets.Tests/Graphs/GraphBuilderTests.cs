using MLNet.SoftTargets.Graphs;

namespace MLNet.SoftTargets.Tests.Graphs;

[TestClass]
public sealed class GraphBuilderTests
{
    [TestMethod]
    public void NamesAreUnique_ShapesPropagate_AndTheGraphRunsInOnnxRuntime()
    {
        var g = new GraphBuilder();
        var x = g.AddInput("x", [GraphBuilder.Dynamic, 3]);
        var w = g.AddInitializer("w", [1, 2, 3, 4, 5, 6], [3, 2]);
        var w2 = g.AddInitializer("w", [1, 0, 0, 1], [2, 2]);
        Assert.AreNotEqual(w, w2, "a second 'w' gets a fresh name");
        var y = g.Relu(g.Gemm(g.Gemm(x, w), w2));
        CollectionAssert.AreEqual(new long[] { GraphBuilder.Dynamic, 2 }, g.Shape(y));
        g.AddOutput(y, "y");
        Assert.ThrowsExactly<KeyNotFoundException>(() => g.Shape("nothing"));

        using var runner = new OnnxTestRunner(g.ToBytes());
        var result = runner.RunOne(new Dictionary<string, TestTensor> { ["x"] = new([1, 0, -1, 0, 1, 0], [2, 3]) }, "y");
        CollectionAssert.AreEqual(new long[] { 2, 2 }, result.Shape);
        // Row 1: [1,0,-1]·W = [1-5, 2-6] = [-4, -4] → ReLU 0; row 2: [0,1,0]·W = [3, 4].
        CollectionAssert.AreEqual(new double[] { 0, 0, 3, 4 }, result.Data);
    }
}

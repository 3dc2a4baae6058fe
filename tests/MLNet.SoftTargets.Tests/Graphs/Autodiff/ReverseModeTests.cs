using MLNet.SoftTargets.Graphs;
using MLNet.SoftTargets.Graphs.Autodiff;
using Onnx;

namespace MLNet.SoftTargets.Tests.Graphs.Autodiff;

/// <summary>The traversal of <see cref="ReverseMode"/>: accumulation, unsupported ops, dynamic batch, unreachable parameters.</summary>
[TestClass]
public sealed class ReverseModeTests
{
    private const TensorProto.Types.DataType Double = TensorProto.Types.DataType.Double;

    [TestMethod]
    public void NodeWithoutRule_OnThePathToTheLoss_ThrowsNamingTheOp()
    {
        var g = new GraphBuilder(Double);
        var x = g.AddInput("x", [3, 4]);
        var cos = g.Node("Cos", [x], [3, 4]);
        var loss = g.ReduceSum(g.Mul(cos, x), [], keepDims: false);

        var error = Assert.ThrowsExactly<NotSupportedException>(() => ReverseMode.Gradients(g, loss, [x]));
        Assert.Contains("'Cos'", error.Message);
    }

    [TestMethod]
    public void NodeWithoutRule_OffThePathToTheLoss_IsIgnored()
    {
        var g = new GraphBuilder(Double);
        var x = g.AddInput("x", [3]);
        var labels = g.AddInput("labels", [3]);
        var cosOfParameter = g.Node("Cos", [x], [3]);
        var cosOfData = g.Node("Cos", [labels], [3]);
        var loss = g.ReduceSum(g.Mul(x, cosOfData), [], keepDims: false);
        g.AddOutput(cosOfParameter, "unused");

        var gradients = ReverseMode.Gradients(g, loss, [x]);
        g.AddOutput(gradients[0], "grad_x");

        using var runner = new OnnxTestRunner(g.ToModel());
        var feeds = new Dictionary<string, TestTensor>
        {
            ["x"] = new([0.1, 0.2, 0.3], [3]),
            ["labels"] = new([0.5, 1.0, 2.0], [3]),
        };
        var gradient = runner.RunOne(feeds, "grad_x");
        for (int i = 0; i < 3; i++)
            Assert.AreEqual(Math.Cos(feeds["labels"].Data[i]), gradient.Data[i], 1e-12, $"element {i}");
    }

    [TestMethod]
    public void RunTimeSizeOfAParameter_IsAConstantForTheGradient()
    {
        // mean(x·x) by hand: Size(x) is int64 and Cast has no rule, but no gradient flows through a size.
        GradientInput[] inputs = [new("x", [GraphBuilder.Dynamic, 4])];
        var g = GradientCheck.Build(inputs, (g, v) => g.Div(g.Mul(v[0], v[0]), g.SizeOf(v[0])));
        using var runner = new OnnxTestRunner(g.ToModel());
        foreach (long batch in new long[] { 2, 3 })
        {
            var feeds = GradientCheck.RandomFeeds(g, inputs, seed: (int)batch, dynamicSize: batch);
            GradientCheck.Verify(runner, feeds, ["x"], $"x·x / Size(x) with N = {batch}");
        }
    }

    [TestMethod]
    public void ComparisonOfAParameter_IsNotDifferentiated()
    {
        // A mask computed from the parameter (bool, then cast) is piecewise constant: only the x factor has a gradient.
        GradientInput[] inputs = [new("x", [3, 4], ValueRange.AwayFromZero)];
        GradientCheck.Verify("x · Cast(x > 0)", inputs, (g, v) => g.Mul(v[0], g.CastToElement(g.Greater(v[0], g.Scalar(0.0)))));
    }

    [TestMethod]
    public void LossIndependentOfParameters_Throws()
    {
        var g = new GraphBuilder(Double);
        var x = g.AddInput("x", [3]);
        var data = g.AddInput("data", [3]);
        var loss = g.ReduceSum(g.Exp(data), [], keepDims: false);
        _ = g.Exp(x);

        Assert.ThrowsExactly<InvalidOperationException>(() => ReverseMode.Gradients(g, loss, [x]));
    }

    [TestMethod]
    public void ValueWithTwoConsumers_AccumulatesBothContributions()
    {
        // y = x·x + (x + z): dL/dx = r·(2x + 1), dL/dz = r.
        GradientInput[] inputs = [new("x", [3, 4]), new("z", [3, 4])];
        var g = GradientCheck.Build(inputs, (g, v) => g.Add(g.Mul(v[0], v[0]), g.Add(v[0], v[1])));
        Assert.AreEqual(1, g.Nodes.Count(n => n.OpType == "Sum"), "the two contributions to x are summed once");
        using var runner = new OnnxTestRunner(g.ToModel());
        var feeds = GradientCheck.RandomFeeds(g, inputs, seed: 7);

        var gradients = GradientCheck.Verify(runner, feeds, ["x", "z"], "x·x + (x + z)");

        var x = feeds["x"].Data;
        var r = feeds[GradientCheck.Weights].Data;
        for (int i = 0; i < x.Length; i++)
        {
            Assert.AreEqual(r[i] * (2 * x[i] + 1), gradients["x"].Data[i], 1e-12, $"dL/dx element {i}");
            Assert.AreEqual(r[i], gradients["z"].Data[i], 1e-12, $"dL/dz element {i}");
        }
    }

    [TestMethod]
    public void ValueWithThreeConsumers_ThroughDifferentPaths_AccumulatesAll()
    {
        // x feeds a Mul with itself (two contributions in one node), an Exp and a broadcast Sub.
        GradientInput[] inputs = [new("x", [3, 4]), new("b", [4])];
        GradientCheck.Verify("x·x + exp(x) - (x - b)", inputs,
            (g, v) => g.Sub(g.Add(g.Mul(v[0], v[0]), g.Exp(v[0])), g.Sub(v[0], v[1])));
    }

    [TestMethod]
    public void ParameterNotReachingTheLoss_GetsAZeroGradientOfItsShape()
    {
        var g = new GraphBuilder(Double);
        var x = g.AddInput("x", [3]);
        var unused = g.AddInput("unused", [2, 2]);
        var loss = g.ReduceSum(g.Mul(x, x), [], keepDims: false);

        var gradients = ReverseMode.Gradients(g, loss, [x, unused]);
        Assert.HasCount(2, gradients);
        g.AddOutput(gradients[1], "grad_unused");

        using var runner = new OnnxTestRunner(g.ToModel());
        var result = runner.RunOne(new Dictionary<string, TestTensor>
        {
            ["x"] = new([1, 2, 3], [3]),
            ["unused"] = new([5, 6, 7, 8], [2, 2]),
        }, "grad_unused");
        CollectionAssert.AreEqual(new long[] { 2, 2 }, result.Shape);
        CollectionAssert.AreEqual(new double[] { 0, 0, 0, 0 }, result.Data);
    }

    [TestMethod]
    public void BroadcastBiasGradient_WithDynamicBatch_WorksForSeveralBatchSizesInOneSession()
    {
        GradientInput[] inputs = [new("x", [GraphBuilder.Dynamic, 4]), new("bias", [4])];
        var g = GradientCheck.Build(inputs, (g, v) => g.Add(v[0], v[1]));
        CollectionAssert.AreEqual(new[] { GraphBuilder.Dynamic, 4L }, g.Shape(GradientCheck.Weights));
        using var runner = new OnnxTestRunner(g.ToModel());

        foreach (long batch in new long[] { 2, 5, 1 })
        {
            var feeds = GradientCheck.RandomFeeds(g, inputs, seed: (int)batch, dynamicSize: batch);
            var gradients = GradientCheck.Verify(runner, feeds, ["x", "bias"], $"Add [N,4] [4] with N = {batch}");

            // The bias gradient is the column sum of the weights over the batch.
            var r = feeds[GradientCheck.Weights].Data;
            CollectionAssert.AreEqual(new long[] { 4 }, gradients["bias"].Shape);
            for (int j = 0; j < 4; j++)
            {
                double columnSum = 0;
                for (int i = 0; i < batch; i++)
                    columnSum += r[i * 4 + j];
                Assert.AreEqual(columnSum, gradients["bias"].Data[j], 1e-12, $"N = {batch}, bias element {j}");
            }
        }
    }

    [TestMethod]
    public void DynamicBatch_ThroughGemmAndReduceMean_WorksForSeveralBatchSizesInOneSession()
    {
        // A linear head with a mean over the batch: the mean's element count is read at run time.
        GradientInput[] inputs = [new("x", [GraphBuilder.Dynamic, 4]), new("w", [3, 4]), new("bias", [3])];
        var g = GradientCheck.Build(inputs,
            (g, v) => g.ReduceMean(g.LogSoftmax(g.Gemm(v[0], v[1], v[2], transB: true)), [0], keepDims: false));
        using var runner = new OnnxTestRunner(g.ToModel());
        foreach (long batch in new long[] { 3, 6 })
        {
            var feeds = GradientCheck.RandomFeeds(g, inputs, seed: 100 + (int)batch, dynamicSize: batch);
            GradientCheck.Verify(runner, feeds, ["x", "w", "bias"], $"Gemm-LogSoftmax-ReduceMean with N = {batch}");
        }
    }

    [TestMethod]
    public void FloatGraph_RunsThroughTheRunner_WithFloatInputsAndOutputs()
    {
        var g = new GraphBuilder();
        var x = g.AddInput("x", [2, 2]);
        var loss = g.ReduceSum(g.Mul(x, x), [], keepDims: false);
        var gradients = ReverseMode.Gradients(g, loss, [x]);
        g.AddOutput(loss, "loss");
        g.AddOutput(gradients[0], "grad_x");

        using var runner = new OnnxTestRunner(g.ToBytes());
        var outputs = runner.Run(new Dictionary<string, TestTensor> { ["x"] = new([1, -2, 0.5, 3], [2, 2]) });

        Assert.AreEqual(1 + 4 + 0.25 + 9, outputs["loss"].Data[0], 1e-6);
        Assert.IsEmpty(outputs["loss"].Shape);
        CollectionAssert.AreEqual(new double[] { 2, -4, 1, 6 }, outputs["grad_x"].Data);
    }
}

using Microsoft.ML.OnnxRuntime;
using MLNet.SoftTargets.Graphs;
using MLNet.SoftTargets.Engine;

namespace MLNet.SoftTargets.Tests.Engine;

[TestClass]
public sealed class ExecutionProvidersTests
{
    [TestMethod]
    public void Cpu_NeverTriesCuda()
    {
        bool tried = false;
        var (options, usesCuda) = ExecutionProviders.Create(TrainingDevice.Cpu, 1, null, (_, _) => tried = true);
        using var _ = options;
        Assert.IsFalse(usesCuda);
        Assert.IsFalse(tried);
    }

    [TestMethod]
    public void Auto_FallsBackToCpu_WithOneLogLineSayingWhy()
    {
        var log = new List<string>();
        var (options, usesCuda) = ExecutionProviders.Create(TrainingDevice.Auto, 1, log.Add,
            (_, _) => throw new DllNotFoundException("libcublasLt.so.13: cannot open shared object file"));
        using var _ = options;
        Assert.IsFalse(usesCuda);
        Assert.HasCount(1, log);
        StringAssert.Contains(log[0], "libcublasLt.so.13");
        StringAssert.Contains(log[0], "CPU");
    }

    [TestMethod]
    public void Cuda_WhenTheProviderCannotLoad_FailsWithAClearError()
    {
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => ExecutionProviders.Create(TrainingDevice.Cuda(1), 1, null,
            (_, _) => throw new DllNotFoundException("libcudart.so.13: cannot open shared object file")));
        StringAssert.Contains(e.Message, "Cuda(1)");
        StringAssert.Contains(e.Message, "libcudart.so.13");
        StringAssert.Contains(e.Message, "TrainingDevice.Cpu");
    }

    [TestMethod]
    public void Auto_OnThisMachine_GivesUsableOptionsEitherWay()
    {
        // On a machine without CUDA (CI) this exercises the real provider load failing and falling back;
        // with CUDA it selects the GPU. Either way a session must run with the options.
        var log = new List<string>();
        var (options, usesCuda) = ExecutionProviders.Create(TrainingDevice.Auto, 1, log.Add);
        using var _ = options;
        Assert.HasCount(usesCuda ? 0 : 1, log);
        var g = new GraphBuilder();
        g.AddOutput(g.Relu(g.AddInput("x", [2])), "y");
        using var session = new InferenceSession(g.ToBytes(), options);
        using var x = OrtValue.CreateTensorValueFromMemory(new float[] { -1, 2 }, [2]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["x"], [x], ["y"]);
        CollectionAssert.AreEqual(new float[] { 0, 2 }, outputs[0].GetTensorDataAsSpan<float>().ToArray());
    }

    [TestMethod]
    public void CudaDeviceIndex_MustNotBeNegative()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => TrainingDevice.Cuda(-1));
        Assert.AreEqual("Cuda(2)", TrainingDevice.Cuda(2).ToString());
    }
}

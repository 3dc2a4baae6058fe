using Microsoft.ML;
using Microsoft.ML.OnnxRuntime;
using MLNet.SoftTargets.Engine;

namespace MLNet.SoftTargets.Tests.Engine;

/// <summary>
/// Training and scoring leave no process-wide or thread-wide state behind: the calling thread's floating-point mode
/// (ONNX Runtime's denormal flushing is confined to threads the library owns) and ONNX Runtime's environment log level
/// (raised only while the CUDA provider is tried, restored even when calls overlap).
/// </summary>
[TestClass]
public sealed class ProcessStateTests
{
    // A field, not a constant, so the JIT cannot fold the arithmetic below.
    private static float _denormal = 1e-39f;

    private static bool FlushesDenormals() => Volatile.Read(ref _denormal) * 1.5f == 0f;

    [TestMethod]
    public void FitAndScoring_LeaveTheCallingThreadsDenormalsAlone()
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                Body();
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        if (failure is not null)
            throw failure;

        static void Body()
        {
            Assert.IsFalse(FlushesDenormals(), "a fresh thread keeps denormals");
            var ml = TestData.Context();
            var (train, test) = DigitsData.Split(ml);
            var model = new SoftTargetCrossEntropyTrainer(new SoftTargetCrossEntropyTrainer.Options { SoftTargetColumnName = null, HiddenLayerSizes = [8], Epochs = 1 }).Fit(train);
            Assert.IsFalse(FlushesDenormals(), "after Fit");
            _ = ml.MulticlassClassification.Evaluate(model.Transform(test));
            Assert.IsFalse(FlushesDenormals(), "after scoring in memory");
            using var saved = new MemoryStream();
            ml.Model.Save(model, train.Schema, saved);
            saved.Position = 0;
            var fast = ml.Model.LoadWithFastScoring(saved, out _);
            _ = ml.MulticlassClassification.Evaluate(fast.Transform(test));
            Assert.IsFalse(FlushesDenormals(), "after fast-loaded scoring");
        }
    }

    [TestMethod]
    public void OverlappingCudaAttempts_RestoreTheEnvironmentsLogLevel()
    {
        var environment = OrtEnv.Instance();
        var before = environment.EnvLogLevel;
        using var start = new Barrier(8);
        var threads = Enumerable.Range(0, 8).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            for (int n = 0; n < 20; n++)
            {
                var (options, _) = ExecutionProviders.Create(TrainingDevice.Auto, 1, null, (_, _) =>
                {
                    Thread.Sleep(1 + (i + n) % 3);
                    throw new DllNotFoundException("no CUDA here");
                });
                options.Dispose();
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.AreEqual(before, environment.EnvLogLevel);
    }

}

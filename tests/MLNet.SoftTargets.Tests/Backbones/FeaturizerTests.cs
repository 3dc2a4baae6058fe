using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using MLNet.SoftTargets.Backbones;
using MLNet.SoftTargets.Engine;
using MLNet.SoftTargets.Tests.Trainer;

namespace MLNet.SoftTargets.Tests.Backbones;

/// <summary>
/// The frozen part's runner (the bottleneck cache and the validation set go through it): one owned run-options object
/// alive for every native call and released exactly once at disposal; cancellation that stops promptly.
/// </summary>
[TestClass]
public sealed class FeaturizerTests
{
    [TestMethod]
    public void TheRunOptions_StayAliveThroughEveryRunUnderGcPressure_AndAreReleasedOnceAtDisposal()
    {
        var top = new BackboneTop(new BackboneSettings(FineTuningTests.Backbone.Value, null, 2));
        var (options, _) = ExecutionProviders.Create(TrainingDevice.Cpu, 1, null);
        using var _options = options;
        var runOptions = new RecordingRunOptions();
        var featurizer = new BackboneTop.Featurizer(top, options, runOptions);
        var raw = Enumerable.Range(0, 4 * 64).Select(i => (float)Math.Sin(i)).ToArray();
        var cut = new float[4 * featurizer.OutputSize];
        var first = new float[cut.Length];
        featurizer.Run(raw, 4, first);
        for (int i = 0; i < 200; i++)
        {
            featurizer.Run(raw, 4, cut);
            if (i % 10 == 0)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
            Assert.AreEqual(0, runOptions.Releases, $"released during the featurizer's life (run {i})");
        }
        CollectionAssert.AreEqual(first, cut, "every run gives the same cut activations");
        featurizer.Dispose();
        Assert.AreEqual(1, runOptions.Releases, "released once, by the featurizer's Dispose");
    }

    [TestMethod]
    public void CachingManyRows_IsCancelledWithinASecond()
    {
        var top = new BackboneTop(new BackboneSettings(FineTuningTests.Backbone.Value, null, 2));
        var (options, _) = ExecutionProviders.Create(TrainingDevice.Cpu, 1, null);
        using var _options = options;
        using var featurizer = new BackboneTop.Featurizer(top, options);
        // An endless source: only the cancellation ends the cache.
        var endless = new EndlessSource(64, 10);
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var clock = Stopwatch.StartNew();
        Assert.ThrowsExactly<OperationCanceledException>(() => new CachedBatchSource(endless, new BatchSettings(1, 16, false, 1, true, 1), featurizer, cancellation.Token));
        Assert.IsLessThan(1.3, clock.Elapsed.TotalSeconds, $"cancelled 0.3 s in, stopped {clock.Elapsed.TotalSeconds:F2} s in");
        Assert.IsGreaterThan(0, endless.Read, "it was caching");
    }

    private sealed class RecordingRunOptions : RunOptions
    {
        public int Releases;

        protected override bool ReleaseHandle()
        {
            Interlocked.Increment(ref Releases);
            return base.ReleaseHandle();
        }
    }

    private sealed class EndlessSource(int features, int classes) : IExampleSource
    {
        public long Read;

        public int FeatureCount => features;

        public int ClassCount => classes;

        public bool CanShuffle => false;

        public string Description => "An endless source";

        public IExamplePass Open(Random? shuffle) => new Pass(this);

        private sealed class Pass(EndlessSource source) : IExamplePass
        {
            public long SkippedRows => 0;

            public bool TryRead(Span<float> x, Span<float> q, out float w)
            {
                long i = source.Read++;
                for (int j = 0; j < x.Length; j++)
                    x[j] = (float)Math.Sin(i + j);
                q.Clear();
                q[(int)(i % q.Length)] = 1;
                w = 1;
                return true;
            }

            public void Dispose()
            {
            }
        }
    }
}

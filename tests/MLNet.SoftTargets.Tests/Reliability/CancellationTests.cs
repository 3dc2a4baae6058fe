using System.Diagnostics;
using Microsoft.ML;

namespace MLNet.SoftTargets.Tests.Reliability;

/// <summary>
/// A long <c>Fit</c> cancelled through <c>Options.CancellationToken</c> about 0.5 s in throws
/// <see cref="OperationCanceledException"/> within 2 s of the cancel, on every training path.
/// </summary>
[TestClass]
public sealed class CancellationTests
{
    private static readonly TimeSpan CancelAfter = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan Allowed = TimeSpan.FromSeconds(2);

    /// <summary>Runs <paramref name="fit"/> with a token cancelled after 0.5 s; returns the seconds from the cancel to the exception.</summary>
    private static double SecondsFromCancelToException(Func<CancellationToken, object> fit)
    {
        using var cancel = new CancellationTokenSource();
        long cancelledAt = 0;
        cancel.Token.Register(() => Interlocked.Exchange(ref cancelledAt, Stopwatch.GetTimestamp()));
        cancel.CancelAfter(CancelAfter);
        var clock = Stopwatch.StartNew();
        OperationCanceledException? e = null;
        try
        {
            fit(cancel.Token);
        }
        catch (OperationCanceledException cancelled)
        {
            e = cancelled;
        }
        long thrownAt = Stopwatch.GetTimestamp();
        Assert.IsNotNull(e, $"Fit finished in {clock.Elapsed.TotalSeconds:F2} s without being cancelled (make the run longer)");
        Assert.AreNotEqual(0, Interlocked.Read(ref cancelledAt), $"Fit threw before the cancel: {e.Message}");
        return Stopwatch.GetElapsedTime(cancelledAt, thrownAt).TotalSeconds;
    }

    private static SoftTargetCrossEntropyTrainer.Options LongMlp => new()
    {
        SoftTargetColumnName = null, HiddenLayerSizes = [64], Epochs = 10_000, BatchSize = 32, LearningRate = 1e-3,
        Device = TrainingDevice.Cpu, Threads = 1,
    };

    [TestMethod]
    [DataRow(false, false)]
    [DataRow(false, true)]
    [DataRow(true, false)]
    [DataRow(true, true)]
    public void ALongMlpFit_CancelledHalfASecondIn_ThrowsWithinTwoSeconds(bool withValidation, bool cacheData)
    {
        var ml = TestData.Context();
        var (train, test) = DigitsData.Split(ml);
        var reports = new List<TrainingProgress>();
        double seconds = SecondsFromCancelToException(token =>
        {
            var trainer = new SoftTargetCrossEntropyTrainer(LongMlp with
            {
                CacheData = cacheData, CancellationToken = token, Progress = new Trainer.SynchronousProgress(p => { lock (reports) reports.Add(p); }),
            });
            return withValidation ? trainer.Fit(train, test) : trainer.Fit(train);
        });
        Assert.IsLessThan(Allowed.TotalSeconds, seconds, "seconds from the cancel to OperationCanceledException");
        // README: "Cancelled is reported to the progress callback before Fit throws".
        lock (reports)
            Assert.AreEqual(TrainingStopReason.Cancelled, reports.LastOrDefault()?.StopReason, $"{reports.Count} reports");
    }

    [TestMethod]
    public void TheDefaultLbfgsPath_CancelledHalfASecondIn_ThrowsWithinTwoSeconds()
    {
        // Defaults: full-batch L-BFGS with λ chosen by 5-fold cross-validation over seven strengths; on 8,000 rows of
        // 128 noisy features with 50 random labels that takes far longer than 0.5 s (2.2 s with 20 classes on 2 cores; 50 here).
        var ml = TestData.Context();
        var random = new Random(5);
        string[] classes = Enumerable.Range(0, 50).Select(i => "k" + i).ToArray();
        var rows = Enumerable.Range(0, 8000).Select(i => new MadeUpData.Row
        {
            Name = classes[random.Next(50)],
            Features = Enumerable.Range(0, 128).Select(_ => random.NextSingle()).ToArray(),
            SoftTarget = [.. Enumerable.Repeat(0.02f, 50)],
        }).ToArray();
        var data = MadeUpData.View(ml, classes, rows);
        double seconds = SecondsFromCancelToException(token =>
            new SoftTargetCrossEntropyTrainer(new SoftTargetCrossEntropyTrainer.Options { SoftTargetColumnName = null, Threads = 1, Device = TrainingDevice.Cpu, CancellationToken = token })
                .Fit(data));
        Assert.IsLessThan(Allowed.TotalSeconds, seconds, "seconds from the cancel to OperationCanceledException");
    }
}

using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.SoftTargets.Persistence;
using MLNet.SoftTargets.Scoring;
using static MLNet.SoftTargets.Tests.Scoring.FastScoringTests;

namespace MLNet.SoftTargets.Tests.Scoring;

/// <summary>
/// What <c>LoadWithFastScoring</c> hands back owns the loaded stages: disposing it (the chain, the model, or the
/// calibrated classifier) deletes ML.NET's temporary copy of the graph and makes later use throw
/// <see cref="ObjectDisposedException"/> naming the model. Counts the process-wide temporary folder, so runs alone.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class FastScoringDisposalTests
{
    // By name, not by count: other tests' undisposed models may delete their files meanwhile (finalizers).
    private static HashSet<string> TemporaryFiles() => [.. Directory.GetFiles(TemporaryFile.Folder)];

    private static HashSet<string> NewFiles(HashSet<string> before) => [.. TemporaryFiles().Except(before)];

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void AFastLoadedModel_OwnsItsTemporaryGraphCopy_AndDisposingItReleasesItOnce(bool calibrated)
    {
        var ml = TestData.Context();
        var (train, test) = DigitsData.Split(ml);
        using var trained = new SoftTargetCrossEntropyTrainer(Options(Head.WideMlpScoredInBlocks)).Fit(train);
        ITransformer saved = calibrated ? new TransformerChain<ITransformer>(trained, ml.Transforms.CalibrateTemperature().Fit(trained.Transform(test))) : trained;
        var before = TemporaryFiles();
        var loaded = SaveAndLoadFast(saved, train.Schema);
        Assert.HasCount(1, NewFiles(before), "ML.NET's copy of the loaded graph, in the library's folder");
        var ours = Components(loaded).Single(c => c is SoftTargetCrossEntropyModel or CalibratedClassifier);
        Assert.IsInstanceOfType<IDisposable>(loaded);
        _ = TestData.Rows(loaded.Transform(test), "Score");

        ((IDisposable)ours).Dispose();
        Assert.IsEmpty(NewFiles(before), "disposing our component deletes it");
        Assert.AreEqual(nameof(SoftTargetCrossEntropyModel), Assert.ThrowsExactly<ObjectDisposedException>(() => loaded.Transform(test)).ObjectName);
        Assert.ThrowsExactly<ObjectDisposedException>(() => ml.Model.Save(loaded, train.Schema, new MemoryStream()));
        ((IDisposable)loaded).Dispose();
        ((IDisposable)loaded).Dispose();
        Assert.IsEmpty(NewFiles(before));
    }

    [TestMethod]
    public void DisposingTheLoadedChain_DisposesOurModelInside()
    {
        var ml = TestData.Context();
        var (train, test) = DigitsData.Split(ml);
        using var trained = new SoftTargetCrossEntropyTrainer(Options(Head.Mlp)).Fit(train);
        var before = TemporaryFiles();
        var loaded = SaveAndLoadFast(new TransformerChain<ITransformer>(ml.Transforms.CopyColumns("Copy", "Features").Fit(train), trained), train.Schema);
        var model = Components(loaded).OfType<SoftTargetCrossEntropyModel>().Single();
        ((IDisposable)loaded).Dispose();
        Assert.IsEmpty(NewFiles(before));
        Assert.ThrowsExactly<ObjectDisposedException>(() => model.Transform(test));
    }
}

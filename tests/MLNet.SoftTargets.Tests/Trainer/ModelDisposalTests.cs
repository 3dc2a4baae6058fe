using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.SoftTargets.Datasets;
using MLNet.SoftTargets.Persistence;
using MLNet.SoftTargets.Scoring;
using static MLNet.SoftTargets.Tests.Scoring.FastScoringTests;

namespace MLNet.SoftTargets.Tests.Trainer;

/// <summary>
/// <see cref="SoftTargetCrossEntropyModel.Dispose"/>: it deletes the model's temporary graph file and releases its
/// sessions, is idempotent, makes every later use (the model's own members, and the views, cursors and prediction engines
/// made before) throw <see cref="ObjectDisposedException"/> naming the model, leaves a saved copy loadable, and a loop of
/// fits, loads and disposals leaks neither file descriptors nor temporary files.
/// </summary>
[TestClass]
public sealed class ModelDisposalTests
{
    private static SoftTargetCrossEntropyModel Fit(Head head, IDataView train) => new SoftTargetCrossEntropyTrainer(Options(head)).Fit(train);

    [TestMethod]
    [DataRow(Head.Linear)]
    [DataRow(Head.WideMlpScoredInBlocks)]
    public void Dispose_DeletesTheTemporaryGraphFile_ReleasesTheSession_AndIsIdempotent(Head head)
    {
        var ml = TestData.Context();
        var (train, test) = DigitsData.Split(ml);
        var model = Fit(head, train);
        string path = model.GraphFilePath!;
        Assert.IsTrue(File.Exists(path), "the per-row graph behind ApplyOnnxModel is a file while the model lives");
        StringAssert.StartsWith(path, TemporaryFile.Folder);
        _ = TestData.Rows(model.Transform(test), "Score");
        Assert.AreEqual(head == Head.WideMlpScoredInBlocks, model.Fast.HasSession, "only block scoring opens the fast session");

        model.Dispose();
        Assert.IsFalse(File.Exists(path), "Dispose deletes it");
        model.Dispose();
        ((IDisposable)model).Dispose();
    }

    [TestMethod]
    public void EveryUseAfterDispose_ThrowsObjectDisposedException_NamingTheModel_WhileItsDescriptionStaysReadable()
    {
        var ml = TestData.Context();
        var (train, test) = DigitsData.Split(ml);
        var model = Fit(Head.Mlp, train);
        var parameters = model.GetParameters();
        model.Dispose();

        void Throws(string what, Action action)
        {
            var e = Assert.ThrowsExactly<ObjectDisposedException>(action, what);
            Assert.AreEqual(nameof(SoftTargetCrossEntropyModel), e.ObjectName, what);
        }
        Throws("Transform", () => model.Transform(test));
        Throws("GetOutputSchema", () => model.GetOutputSchema(test.Schema));
        Throws("GetRowToRowMapper", () => model.GetRowToRowMapper(test.Schema));
        Throws("CreatePredictionEngine", () => ml.Model.CreatePredictionEngine<DigitRow, Prediction>(model));
        Throws("Save", () => ml.Model.Save(model, train.Schema, new MemoryStream()));
        Throws("Save in a chain", () => ml.Model.Save(new TransformerChain<ITransformer>(model), train.Schema, new MemoryStream()));
        Throws("ExportOnnx", () => model.ExportOnnx(new MemoryStream()));

        CollectionAssert.AreEqual(DigitsDataset.ClassNames.ToArray(), model.ClassNames.ToArray());
        Assert.AreEqual(64, model.FeatureCount);
        CollectionAssert.AreEquivalent(parameters.Keys.ToArray(), model.GetParameters().Keys.ToArray(), "the parameters stay readable (fine-tuning reads them)");
    }

    [TestMethod]
    [DataRow(Head.Mlp)]
    [DataRow(Head.WideMlpScoredInBlocks)]
    public void AModelDisposedUnderOpenCursorsAndPredictionEngines_MakesTheirNextRowThrow_AndTheyStillDisposeCleanly(Head head)
    {
        var ml = TestData.Context();
        var (train, test) = DigitsData.Split(ml);
        var model = Fit(head, train);
        var scored = model.Transform(test);
        var cursor = scored.GetRowCursor(scored.Schema);
        var score = cursor.GetGetter<VBuffer<float>>(scored.Schema["Score"]);
        VBuffer<float> value = default;
        Assert.IsTrue(cursor.MoveNext());
        score(ref value);
        var engine = ml.Model.CreatePredictionEngine<DigitRow, Prediction>(model);
        var row = ml.Data.CreateEnumerable<DigitRow>(test, reuseRowObject: false).First();
        Assert.HasCount(10, engine.Predict(row).Score);

        model.Dispose();

        // The chosen rule: a view, cursor or engine never keeps the model alive; its next scored row throws.
        var e = Assert.ThrowsExactly<ObjectDisposedException>(() =>
        {
            for (int i = 0; i < FastClassifier.BlockRows + 1 && cursor.MoveNext(); i++)
                score(ref value);
        }, "an open cursor");
        Assert.AreEqual(nameof(SoftTargetCrossEntropyModel), e.ObjectName);
        Assert.AreEqual(nameof(SoftTargetCrossEntropyModel), Assert.ThrowsExactly<ObjectDisposedException>(() => engine.Predict(row), "an engine").ObjectName);
        Assert.ThrowsExactly<ObjectDisposedException>(() => scored.GetRowCursor(scored.Schema), "a view made before");
        cursor.Dispose();
        engine.Dispose();
    }

    [TestMethod]
    public void DisposingWhileThreadsScoreInBlocks_EndsEveryThreadWithScoresOrObjectDisposedException()
    {
        var ml = TestData.Context();
        var (train, test) = DigitsData.Split(ml);
        var model = Fit(Head.WideMlpScoredInBlocks, train);
        using var started = new CountdownEvent(4);
        // Threads of their own (LongRunning): on 2 cores the thread pool starts the third and fourth task only after it
        // injects threads, and the first two could finish all 1000 passes before the countdown let Dispose run (seen once).
        var threads = Enumerable.Range(0, 4).Select(t => Task.Factory.StartNew(() =>
        {
            started.Signal();
            try
            {
                for (int i = 0; i < 1000; i++)
                    _ = TestData.Rows(model.Transform(test), "Score");
                return "finished";
            }
            catch (ObjectDisposedException e) when (e.ObjectName == nameof(SoftTargetCrossEntropyModel))
            {
                return "disposed";
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
        started.Wait();
        Thread.Sleep(50);
        model.Dispose();
        Task.WaitAll(threads);
        CollectionAssert.AreEqual(new[] { "disposed", "disposed", "disposed", "disposed" }, threads.Select(t => t.Result).ToArray());
    }

    [TestMethod]
    [DataRow(Head.Mlp)]
    [DataRow(Head.WideMlpScoredInBlocks)]
    public void AModelSavedBeforeItIsDisposed_LoadsInStockMlNet_AndScoresTheSame(Head head)
    {
        var ml = TestData.Context();
        var (train, test) = DigitsData.Split(ml);
        using var saved = new MemoryStream();
        float[][] expected;
        using (var model = Fit(head, train))
        {
            expected = TestData.Rows(model.Transform(test), "Score");
            ml.Model.Save(model, train.Schema, saved);
        }
        saved.Position = 0;
        using var loaded = (TransformerChain<ITransformer>)new MLContext(seed: 2).Model.Load(saved, out _);
        Assert.IsFalse(Components(loaded).Any(c => c is SoftTargetCrossEntropyModel), "stock components only");
        TestData.AssertRowsEqual(expected, TestData.Rows(loaded.Transform(test), "Score"), 1e-6, "Score");
    }
}

/// <summary>
/// Process-wide counts (open file descriptors, the library's temporary folder, sessions opened): run alone, so no other
/// test's models are counted.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class ModelDisposalResourceTests
{
    private static int OpenFileDescriptors() => Directory.GetFiles("/proc/self/fd").Length;

    // The folder's files by name: other tests' undisposed models may delete theirs meanwhile (their finalizers), so a
    // check compares names, not counts: nothing new may remain.
    private static HashSet<string> TemporaryFiles() => [.. Directory.GetFiles(TemporaryFile.Folder)];

    private static void AssertNoNewFiles(HashSet<string> before) =>
        Assert.IsFalse(TemporaryFiles().Except(before).Any(), $"temporary files left: {string.Join(", ", TemporaryFiles().Except(before))}");

    [TestMethod]
    public void TwoHundredFitOrLoadScoreDisposeIterations_LeakNoFileDescriptorsAndNoTemporaryFiles()
    {
        if (!OperatingSystem.IsLinux())
            Assert.Inconclusive("/proc/self/fd is Linux's");
        var ml = TestData.Context();
        var (train, test) = DigitsData.Split(ml);
        var small = DigitsData.Keyed(ml, ml.Data.CreateEnumerable<DigitRow>(train, reuseRowObject: false).Take(100).ToList());
        var rows = DigitsData.Keyed(ml, ml.Data.CreateEnumerable<DigitRow>(test, reuseRowObject: false).Take(64).ToList());
        var options = Options(Head.WideMlpScoredInBlocks) with { Epochs = 1, HiddenLayerSizes = [70], OutputEmbedding = false };
        byte[] saved;
        using (var model = new SoftTargetCrossEntropyTrainer(options).Fit(small))
        {
            Assert.IsTrue(model.Fast.ScoresInBlocks, "the loop opens an ONNX Runtime session for every model it scores");
            using var stream = new MemoryStream();
            ml.Model.Save(model, small.Schema, stream);
            saved = stream.ToArray();
        }

        // Every model stays referenced after its disposal, so no finalizer can release what Dispose should have.
        var kept = new List<object>();
        void Iteration(int i)
        {
            using var model = i % 10 == 0
                ? (IDisposable)new SoftTargetCrossEntropyTrainer(options).Fit(small)
                : (IDisposable)ml.Model.LoadWithFastScoring(new MemoryStream(saved), out _);
            var scores = TestData.Rows(((ITransformer)model).Transform(rows), "Score");
            Assert.HasCount(64, scores);
            kept.Add(model);
        }
        for (int i = 0; i < 10; i++)
            Iteration(i);
        int descriptors = OpenFileDescriptors();
        var files = TemporaryFiles();
        for (int i = 0; i < 200; i++)
            Iteration(i);
        AssertNoNewFiles(files);
        // Undisposed, every model would keep its graph file and a descriptor on it; a few descriptors of the runtime's own
        // (the thread pool, the test host) may come and go.
        Assert.IsLessThanOrEqualTo(descriptors + 4, OpenFileDescriptors(), $"open file descriptors (were {descriptors})");
        GC.KeepAlive(kept);
    }

    [TestMethod]
    public void GetOutputSchema_CalledAHundredTimes_OpensNoSessionAndWritesNoFile()
    {
        var ml = TestData.Context();
        var (train, test) = DigitsData.Split(ml);
        var trainer = new SoftTargetCrossEntropyTrainer(Options(Head.WideMlpScoredInBlocks));
        using var model = trainer.Fit(train);
        var calibrated = new TransformerChain<ITransformer>(model, ml.Transforms.CalibrateTemperature().Fit(model.Transform(test)));
        var trainShape = TestData.Shape(train.Schema);
        var scoredShape = TestData.Shape(model.Transform(test).Schema);
        var calibrator = ml.Transforms.CalibrateTemperature();
        void Call()
        {
            model.GetOutputSchema(test.Schema);
            calibrated.GetOutputSchema(test.Schema);
            trainer.GetOutputSchema(trainShape);
            calibrator.GetOutputSchema(scoredShape);
            model.Transform(test);
        }
        Call();
        long sessions = SessionCounter.Opened;
        var files = TemporaryFiles();
        int descriptors = OperatingSystem.IsLinux() ? OpenFileDescriptors() : 0;
        for (int i = 0; i < 100; i++)
            Call();
        Assert.AreEqual(sessions, SessionCounter.Opened, "sessions opened");
        AssertNoNewFiles(files);
        if (OperatingSystem.IsLinux())
            Assert.IsLessThanOrEqualTo(descriptors + 4, OpenFileDescriptors(), "open file descriptors");
        Assert.AreSame(model.GetOutputSchema(test.Schema), model.GetOutputSchema(test.Schema), "cached per input schema");
    }
}

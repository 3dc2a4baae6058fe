using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.SoftTargets.Datasets;

namespace MLNet.SoftTargets.Tests.Reliability;

/// <summary>
/// Eight threads scoring the same rows of one trained model at once — each with its own <c>PredictionEngine</c>, or
/// each with its own cursor — get exactly (bit for bit) the scores one thread gets alone.
/// </summary>
[TestClass]
public sealed class ConcurrencyTests
{
    private const int Threads = 8;

    private static readonly Lazy<(IDataView Train, IDataView Test, float[][] Features)> Digits = new(() =>
    {
        var (train, test) = DigitsData.Split(TestData.Context());
        var features = test.GetColumn<VBuffer<float>>(test.Schema["Features"]).Select(v => v.DenseValues().ToArray()).ToArray();
        return (train, test, features);
    });

    private static ITransformer Train(int[] hidden)
    {
        var (train, _, _) = Digits.Value;
        return new SoftTargetCrossEntropyTrainer(new SoftTargetCrossEntropyTrainer.Options
        {
            SoftTargetColumnName = null, HiddenLayerSizes = hidden, Epochs = 2, BatchSize = 64, LearningRate = 0.01, Device = TrainingDevice.Cpu, Threads = 1,
        }).Fit(train);
    }

    private static ITransformer Reloaded(ITransformer model, string how)
    {
        var (train, _, _) = Digits.Value;
        using var stream = new MemoryStream();
        TestData.Context().Model.Save(model, train.Schema, stream);
        stream.Position = 0;
        var ml = new MLContext(seed: 2);
        return how switch
        {
            "in memory" => model,
            "Model.Load" => ml.Model.Load(stream, out _),
            _ => ml.Model.LoadWithFastScoring(stream, out _),
        };
    }

    private static int[][] Bits(IEnumerable<float[]> scores) =>
        scores.Select(s => s.Select(BitConverter.SingleToInt32Bits).ToArray()).ToArray();

    private static void AssertAllEqual(int[][] expected, int[][][] perThread)
    {
        for (int t = 0; t < perThread.Length; t++)
        {
            Assert.HasCount(expected.Length, perThread[t], $"thread {t}: rows");
            for (int r = 0; r < expected.Length; r++)
                CollectionAssert.AreEqual(expected[r], perThread[t][r], $"thread {t}, row {r}: Score bits differ from the single-threaded run");
        }
    }

    /// <summary>Runs <paramref name="work"/> on <see cref="Threads"/> threads released together.</summary>
    private static T[] OnThreads<T>(Func<int, T> work)
    {
        using var start = new Barrier(Threads);
        var results = new T[Threads];
        var errors = new Exception?[Threads];
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            try
            {
                start.SignalAndWait();
                results[t] = work(t);
            }
            catch (Exception e)
            {
                errors[t] = e;
            }
        })).ToArray();
        foreach (var thread in threads)
            thread.Start();
        foreach (var thread in threads)
            thread.Join();
        foreach (var error in errors)
            if (error is not null)
                throw new AssertFailedException("a scoring thread failed: " + error, error);
        return results;
    }

    [TestMethod]
    [DataRow("in memory", 0)]
    [DataRow("in memory", 32)]
    [DataRow("Model.Load", 32)]
    [DataRow("LoadWithFastScoring", 32)]
    public void EightPredictionEngines_OnEightThreads_AgreeBitForBitWithOneThread(string how, int hidden)
    {
        var model = Reloaded(Train(hidden == 0 ? [] : [hidden]), how);
        var features = Digits.Value.Features;
        var ml = TestData.Context();
        int[][] Score()
        {
            var engine = ml.Model.CreatePredictionEngine<Input, Output>(model);
            var scores = new List<float[]>();
            for (int pass = 0; pass < 3; pass++)
                foreach (var row in features)
                    scores.Add([.. engine.Predict(new Input { Features = row }).Score]);
            return Bits(scores);
        }
        var expected = Score();
        Assert.IsTrue(expected.All(r => r.Length == DigitsDataset.ClassCount), "ten scores a row");
        AssertAllEqual(expected, OnThreads(_ => Score()));
    }

    [TestMethod]
    [DataRow("in memory")]
    [DataRow("LoadWithFastScoring")]
    public void EightCursorsOverALargeHead_OnEightThreads_AgreeBitForBitWithOneThread(string how)
    {
        // 64·128 + 128·10 multiply-adds a row is above the managed limit (4,000): cursors score through the one shared
        // ONNX Runtime session, in blocks of 256 rows.
        var model = Reloaded(Train([128]), how);
        var test = Digits.Value.Test;
        int[][] Score() => Bits(DigitsData.Scores(model.Transform(test)));
        var expected = Score();
        AssertAllEqual(expected, OnThreads(_ => Score()));
    }

    public sealed class Input
    {
        [VectorType(DigitsDataset.PixelCount)]
        public float[] Features { get; set; } = [];
    }

    public sealed class Output
    {
        public float[] Score { get; set; } = [];
    }
}

using System.Buffers.Binary;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets.Tests.Reliability;

/// <summary>
/// A saved model zip that was truncated or had bytes flipped is refused by <c>Model.Load</c> and by
/// <c>LoadWithFastScoring</c> with a managed exception (no native crash), and never loads into a model that scores
/// something else without a word.
/// </summary>
[TestClass]
public sealed class CorruptModelFileTests
{
    private static readonly Lazy<(byte[] Zip, float[][] Scores, IDataView Test)> Saved = new(SaveOne);

    private static (byte[], float[][], IDataView) SaveOne()
    {
        var ml = TestData.Context();
        var (train, test) = DigitsData.Split(ml);
        var model = new SoftTargetCrossEntropyTrainer(new SoftTargetCrossEntropyTrainer.Options
        {
            SoftTargetColumnName = null, HiddenLayerSizes = [16], Epochs = 2, BatchSize = 64, LearningRate = 0.01, Device = TrainingDevice.Cpu, Threads = 1,
        }).Fit(train);
        using var stream = new MemoryStream();
        ml.Model.Save(model, train.Schema, stream);
        return (stream.ToArray(), DigitsData.Scores(model.Transform(test)), test);
    }

    public static IEnumerable<object[]> Corruptions() =>
    [
        ["truncated to 0 bytes", false], ["truncated to 0 bytes", true],
        ["truncated to 10%", false], ["truncated to 10%", true],
        ["truncated to 50%", false], ["truncated to 50%", true],
        ["truncated by 1 byte", false], ["truncated by 1 byte", true],
        ["flipped inside the ONNX graph entry", false], ["flipped inside the ONNX graph entry", true],
        ["flipped in the last 20 bytes of the ONNX graph entry", false], ["flipped in the last 20 bytes of the ONNX graph entry", true],
        ["flipped in the central directory", false], ["flipped in the central directory", true],
    ];

    [TestMethod]
    [DynamicData(nameof(Corruptions))]
    public void ACorruptedModelZip_IsRefusedWithAManagedException(string corruption, bool fastScoring)
    {
        var (zip, expected, test) = Saved.Value;
        byte[] bad = Corrupt(zip, corruption);
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"softtarget-corrupt-{Guid.NewGuid():N}.zip");
        File.WriteAllBytes(path, bad);
        try
        {
            var ml = new MLContext(seed: 3);
            Exception? error = null;
            float[][]? scores = null;
            try
            {
                var loaded = fastScoring ? ml.Model.LoadWithFastScoring(path, out _) : ml.Model.Load(path, out _);
                scores = DigitsData.Scores(loaded.Transform(test));
            }
            catch (Exception e)
            {
                error = e;
            }
            if (error is null)
            {
                double maxDifference = expected.Zip(scores!, (a, b) => a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max()).Max();
                Assert.Fail($"{corruption}: the model loaded and scored without an error; largest Score difference from the intact model {maxDifference}");
            }
            Assert.IsFalse(error is NullReferenceException or IndexOutOfRangeException or AccessViolationException,
                $"{corruption}: an unhelpful {error.GetType()}: {error.Message}");
            Assert.IsFalse(string.IsNullOrWhiteSpace(error.Message));
            Console.WriteLine($"{corruption}, {(fastScoring ? "LoadWithFastScoring" : "Model.Load")}: {error.GetType()}: {error.Message}");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void TheIntactZip_LoadsBothWays_AndScoresAsBeforeSaving()
    {
        // The control for the test above: the corruption, not the procedure, is what makes loading fail.
        var (zip, expected, test) = Saved.Value;
        var ml = new MLContext(seed: 3);
        TestData.AssertRowsEqual(expected, DigitsData.Scores(ml.Model.Load(new MemoryStream(zip), out _).Transform(test)), 1e-6, "Model.Load");
        TestData.AssertRowsEqual(expected, DigitsData.Scores(ml.Model.LoadWithFastScoring(new MemoryStream(zip), out _).Transform(test)), 1e-6, "LoadWithFastScoring");
    }

    private static byte[] Corrupt(byte[] zip, string corruption)
    {
        byte[] bad = (byte[])zip.Clone();
        switch (corruption)
        {
            case "truncated to 0 bytes": return [];
            case "truncated to 10%": return bad[..(bad.Length / 10)];
            case "truncated to 50%": return bad[..(bad.Length / 2)];
            case "truncated by 1 byte": return bad[..^1];
        }
        if (corruption.StartsWith("flipped inside", StringComparison.Ordinal) || corruption.StartsWith("flipped in the last", StringComparison.Ordinal))
        {
            var (start, length) = LargestEntryData(bad);
            int at = corruption.StartsWith("flipped inside", StringComparison.Ordinal) ? start + length / 2 : start + length - 20;
            for (int i = 0; i < 16; i++)
                bad[at + i] ^= 0x5A;
            return bad;
        }
        // The central directory starts at the offset written in the end-of-central-directory record (the last 22 bytes
        // when there is no comment); flip the name of the largest entry (the ONNX graph) there.
        int end = bad.Length - 22;
        Assert.AreEqual(0x06054b50u, BinaryPrimitives.ReadUInt32LittleEndian(bad.AsSpan(end)), "end-of-central-directory signature");
        int record = (int)BinaryPrimitives.ReadUInt32LittleEndian(bad.AsSpan(end + 16));
        int largestName = -1;
        long largestSize = -1;
        while (BinaryPrimitives.ReadUInt32LittleEndian(bad.AsSpan(record)) == 0x02014b50u)
        {
            long size = BinaryPrimitives.ReadUInt32LittleEndian(bad.AsSpan(record + 20));
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(bad.AsSpan(record + 28));
            if (size > largestSize)
                (largestSize, largestName) = (size, record + 46);
            record += 46 + nameLength + BinaryPrimitives.ReadUInt16LittleEndian(bad.AsSpan(record + 30)) + BinaryPrimitives.ReadUInt16LittleEndian(bad.AsSpan(record + 32));
        }
        Assert.IsGreaterThan(1000, largestSize, "found the graph entry in the central directory");
        for (int i = 0; i < 4; i++)
            bad[largestName + i] ^= 0x5A;
        return bad;
    }

    /// <summary>Where the data of the largest zip entry (the ONNX graph, with its weights) lies, from the local file headers.</summary>
    private static (int Start, int Length) LargestEntryData(byte[] zip)
    {
        (int Start, int Length) largest = (0, 0);
        int offset = 0;
        while (offset + 30 <= zip.Length && BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(offset)) == 0x04034b50u)
        {
            int compressed = (int)BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(offset + 18));
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(offset + 26));
            int extraLength = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(offset + 28));
            int start = offset + 30 + nameLength + extraLength;
            Assert.AreEqual(0, BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(offset + 6)) & 8, "sizes are in the local header (no data descriptor)");
            if (compressed > largest.Length)
                largest = (start, compressed);
            offset = start + compressed;
        }
        Assert.IsGreaterThan(1000, largest.Length, "found the graph entry");
        return largest;
    }
}

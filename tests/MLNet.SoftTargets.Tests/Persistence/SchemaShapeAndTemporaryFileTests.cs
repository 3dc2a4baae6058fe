using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.SoftTargets.Graphs.Blocks;
using MLNet.SoftTargets.Persistence;

namespace MLNet.SoftTargets.Tests.Persistence;

/// <summary>
/// <see cref="StockSchemaShapes.ClassifierOutput"/> gives, without a session per call, exactly the shape the former
/// per-call <c>ApplyOnnxModel</c> gave; <see cref="ClassifierChain"/>'s graph file belongs to its caller.
/// </summary>
[TestClass]
public sealed class SchemaShapeAndTemporaryFileTests
{
    /// <summary>The former implementation, kept here as the reference: one ApplyOnnxModel on a stand-in graph per call.</summary>
    private static SchemaShape Reference(IDataView data, SchemaShape input, bool logits, bool embedding)
    {
        var ml = new MLContext(seed: 0);
        var standIn = new ClassifierNetwork(new ClassifierHead(1, 2, [], null));
        var zeros = standIn.Parameters.ToDictionary(p => p.Name, p => new float[p.Length]);
        var graph = InferenceGraph.BuildPerRow(standIn, zeros, "Features", "Score.argmax", logits, embedding, ["a", "b"]).Builder.ToBytes();
        var outputs = new List<string> { InferenceGraph.Score };
        if (logits)
            outputs.Add(InferenceGraph.Logits);
        if (embedding)
            outputs.Add(InferenceGraph.Embedding);
        string file = Path.Combine(Path.GetTempPath(), Path.GetRandomFileName());
        File.WriteAllBytes(file, graph);
        try
        {
            var estimator = ml.Transforms.ApplyOnnxModel([.. outputs], ["Features"], file);
            var shape = estimator.GetOutputSchema(input);
            using var transformer = estimator.Fit(data);
            return ml.Transforms.CopyColumns("PredictedLabel", "Label").GetOutputSchema(shape);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [TestMethod]
    [DataRow(false, false)]
    [DataRow(true, false)]
    [DataRow(false, true)]
    [DataRow(true, true)]
    public void ClassifierOutput_IsTheShapeApplyOnnxModelGave(bool logits, bool embedding)
    {
        var ml = TestData.Context();
        var (train, _) = DigitsData.Split(ml);
        // An input that already has a Score column: ApplyOnnxModel replaced it in place.
        var data = ml.Transforms.CopyColumns("Score", "Features").Fit(train).Transform(train);
        var input = TestData.Shape(data.Schema);
        var expected = Reference(data, input, logits, embedding).ToArray();
        var actual = StockSchemaShapes.ClassifierOutput(input, "Label", "Features", logits, embedding).ToArray();
        CollectionAssert.AreEqual(expected.Select(c => c.Name).ToArray(), actual.Select(c => c.Name).ToArray(), "column names in order");
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(expected[i].Kind, actual[i].Kind, expected[i].Name);
            Assert.AreEqual(expected[i].ItemType, actual[i].ItemType, expected[i].Name);
            Assert.AreEqual(expected[i].IsKey, actual[i].IsKey, expected[i].Name);
            CollectionAssert.AreEqual(expected[i].Annotations.Select(a => a.Name).ToArray(), actual[i].Annotations.Select(a => a.Name).ToArray(), expected[i].Name);
        }
    }

    [TestMethod]
    public void ClassifierOutput_RejectsFeaturesThatAreNotSingle_NamingTheColumn()
    {
        var ml = TestData.Context();
        var (train, _) = DigitsData.Split(ml);
        var data = ml.Transforms.Conversion.ConvertType("Features", outputKind: DataKind.Double).Fit(train).Transform(train);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => StockSchemaShapes.ClassifierOutput(TestData.Shape(data.Schema), "Label", "Features", false, false));
        StringAssert.Contains(e.Message, "'Features'");
    }

    [TestMethod]
    public void ClassifierChain_WritesTheGraphToAFileItsCallerOwns()
    {
        var network = new ClassifierNetwork(new ClassifierHead(3, 2, [], null));
        var parameters = network.Parameters.ToDictionary(p => p.Name, p => new float[p.Length]);
        var (chain, _, file) = ClassifierChain.Build(network, parameters, "Features", new VectorDataViewType(NumberDataViewType.Single, 3), ["a", "b"], false, false);
        Assert.IsTrue(File.Exists(file.Path));
        StringAssert.StartsWith(file.Path, TemporaryFile.Folder);
        chain.Dispose();
        file.Dispose();
        Assert.IsFalse(File.Exists(file.Path));
        file.Dispose();
    }
}

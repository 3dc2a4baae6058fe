using Microsoft.ML.OnnxRuntime;
using MLNet.SoftTargets.Graphs.Blocks;

namespace MLNet.SoftTargets.Tests.Graphs.Blocks;

[TestClass]
public sealed class InferenceGraphTests
{
    [TestMethod]
    public void ExportedModel_LoadsInAPlainInferenceSession_AndComputesSoftmaxOfTheHead()
    {
        var network = new ClassifierNetwork(new ClassifierHead(5, 3, [4], null));
        var parameters = network.Initialize(9);
        var model = InferenceGraph.Build(network, parameters, withLogits: true, withEmbedding: true);

        using var session = new InferenceSession(model);
        CollectionAssert.AreEqual(new[] { "Features" }, session.InputNames.ToArray());
        CollectionAssert.AreEqual(new[] { "Score", "Logits", "Embedding" }, session.OutputNames.ToArray());

        var x = new float[] { 0.1f, -0.2f, 0.3f, 0.4f, -0.5f, 1f, 0f, -1f, 0.5f, 0.25f };
        using var input = OrtValue.CreateTensorValueFromMemory(x, [2, 5]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["Features"], [input], ["Score", "Logits", "Embedding"]);
        var score = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        var embedding = outputs[2].GetTensorDataAsSpan<float>().ToArray();

        var layers = new List<ManagedReference.Layer>
        {
            new(Array.ConvertAll(parameters["layer0.weight"], v => (double)v), Array.ConvertAll(parameters["layer0.bias"], v => (double)v), 5, 4),
            new(Array.ConvertAll(parameters["layer1.weight"], v => (double)v), Array.ConvertAll(parameters["layer1.bias"], v => (double)v), 4, 3),
        };
        var (logits, hidden) = ManagedReference.Forward(layers, Array.ConvertAll(x, v => (double)v), 2);
        for (int n = 0; n < 2; n++)
        {
            var row = logits.Skip(n * 3).Take(3).ToArray();
            double z = row.Sum(Math.Exp);
            for (int c = 0; c < 3; c++)
                Assert.AreEqual(Math.Exp(row[c]) / z, score[n * 3 + c], 1e-6, $"Score[{n},{c}]");
            Assert.AreEqual(1.0, score.Skip(n * 3).Take(3).Sum(), 1e-6);
        }
        for (int i = 0; i < hidden.Length; i++)
            Assert.AreEqual(hidden[i], embedding[i], 1e-6, $"Embedding[{i}]");
    }

    [TestMethod]
    public void MissingParameterValues_AreRejected()
    {
        var network = new ClassifierNetwork(new ClassifierHead(5, 3, [], null));
        Assert.ThrowsExactly<ArgumentException>(() => InferenceGraph.Build(network, new Dictionary<string, float[]>(), false, false));
    }
}

using Microsoft.ML;
using Microsoft.ML.Data;
using Onnx;
using MLNet.SoftTargets.Graphs;
using MLNet.SoftTargets.Tests.Trainer;

namespace MLNet.SoftTargets.Tests.Backbones;

/// <summary>
/// Fine-tuning a pretrained ONNX backbone, on a small ResNet-like CNN over the 8×8 digits (exported with a batch
/// fixed at 1, like ResNet18): stem Conv-BN-Relu-MaxPool, one residual block, GlobalAveragePool.
/// </summary>
[TestClass]
public sealed class FineTuningTests
{
    internal static readonly Lazy<byte[]> Backbone = new(() =>
    {
        var g = new GraphBuilder(TensorProto.Types.DataType.Float);
        var random = new Random(11);
        string Tensor(long[] shape, double scale, double offset = 0) =>
            g.AddInitializer("p", Enumerable.Range(0, (int)shape.Aggregate(1L, (a, b) => a * b)).Select(_ => offset + scale * (random.NextDouble() - 0.5)).ToArray(), shape);
        string ConvBn(string x, int cin, int cout, bool relu)
        {
            var y = g.Conv(x, Tensor([cout, cin, 3, 3], 0.6), null, pads: [1, 1, 1, 1]);
            y = g.BatchNormalization(y, Tensor([cout], 0.2, 1), Tensor([cout], 0.2), Tensor([cout], 0.1), Tensor([cout], 0.2, 1));
            return relu ? g.Relu(y) : y;
        }
        var input = g.AddInput("image", [1, 1, 8, 8]);
        var stem = g.MaxPool(ConvBn(input, 1, 6, relu: true), [2, 2], strides: [2, 2]);
        var block = g.Relu(g.Add(ConvBn(ConvBn(stem, 6, 6, relu: true), 6, 6, relu: false), stem));
        g.AddOutput(g.GlobalAveragePool(block), "pooled");
        return Google.Protobuf.MessageExtensions.ToByteArray(g.ToModel());
    });

    private static SoftTargetCrossEntropyTrainer.Options Options(int trainableLayers) => new()
    {
        SoftTargetColumnName = null, Epochs = 3, BatchSize = 64, LearningRate = 0.01, Device = TrainingDevice.Cpu, Threads = 1,
        Backbone = new BackboneOptions { Model = Backbone.Value, TrainableLayers = trainableLayers },
    };

    [TestMethod]
    public void AFrozenBackbone_TrainsExactlyLikeAHeadOnItsPrecomputedFeatures()
    {
        var ml = TestData.Context();
        var (train, _) = DigitsData.Split(ml);
        var fineTuned = new SoftTargetCrossEntropyTrainer(Options(0)).Fit(train).GetParameters();

        // Independent path: run the backbone in a plain InferenceSession, then train a plain head on its outputs.
        var pixels = train.GetColumn<float[]>("Features").ToArray();
        var labels = train.GetColumn<uint>("Label").ToArray();
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(
            Google.Protobuf.MessageExtensions.ToByteArray(MLNet.SoftTargets.Backbones.BackboneSurgery.WithSymbolicBatch(ModelProto.Parser.ParseFrom(Backbone.Value))));
        using var runOptions = new Microsoft.ML.OnnxRuntime.RunOptions();
        var embedded = pixels.Select(p =>
        {
            using var x = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(p, [1, 1, 8, 8]);
            using var y = session.Run(runOptions, ["image"], [x], ["pooled"]);
            return y[0].GetTensorDataAsSpan<float>().ToArray();
        }).ToArray();
        var definition = SchemaDefinition.Create(typeof(EmbeddedRow));
        definition["Features"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 6);
        definition["Label"].ColumnType = new KeyDataViewType(typeof(uint), 10);
        var view = ml.Data.LoadFromEnumerable(embedded.Select((e, i) => new EmbeddedRow { Features = e, Label = labels[i] - 1 }), definition);
        var plain = new SoftTargetCrossEntropyTrainer(Options(0) with { Backbone = null, CacheData = true }).Fit(view).GetParameters();

        Assert.IsFalse(fineTuned.Keys.Any(k => k.StartsWith("backbone.")), "a frozen backbone has no trainable tensors");
        foreach (var name in plain.Keys)
        {
            for (int i = 0; i < plain[name].Length; i++)
                Assert.AreEqual(plain[name][i], fineTuned[name][i], 1e-5f, $"{name}[{i}]");
        }
    }

    [TestMethod]
    public void UnfreezingTheTopLayers_ChangesOnlyThoseWeights_AndTheModelScoresRawImagesAfterReload()
    {
        var ml = TestData.Context();
        var (train, test) = DigitsData.Split(ml);
        var model = new SoftTargetCrossEntropyTrainer(Options(2)).Fit(train);
        var trained = model.GetParameters();
        var original = ModelProto.Parser.ParseFrom(Backbone.Value).Graph.Initializer.ToDictionary(t => t.Name, MLNet.SoftTargets.Backbones.BackboneImport.Values);
        var unfrozen = trained.Keys.Where(k => k.StartsWith("backbone.")).Select(k => k["backbone.".Length..]).ToArray();
        Assert.HasCount(6, unfrozen, "the block's two convolutions and their two BatchNormalization scales and biases");
        foreach (var name in unfrozen)
            Assert.IsTrue(original[name].Zip(trained["backbone." + name]).Any(p => Math.Abs(p.First - p.Second) > 1e-6), $"{name} was trained");

        // The saved model is the whole backbone + head on raw pixels; the stem (frozen) keeps its pretrained weights.
        using var exported = new MemoryStream();
        model.ExportOnnx(exported);
        var graph = ModelProto.Parser.ParseFrom(exported.ToArray()).Graph;
        var stemWeight = original.First(p => p.Value.Length == 6 * 1 * 3 * 3);
        var exportedStem = graph.Initializer.Single(t => t.Name == stemWeight.Key);
        CollectionAssert.AreEqual(stemWeight.Value, MLNet.SoftTargets.Backbones.BackboneImport.Values(exportedStem), "the frozen stem is unchanged");

        var before = model.Transform(test);
        var loaded = TestData.SaveAndLoad(model, train.Schema).Transform(test);
        TestData.AssertRowsEqual(TestData.Rows(before, "Score"), TestData.Rows(loaded, "Score"), 1e-6, "Score");
        Assert.IsTrue(model.History[^1].TrainingLoss < model.History[0].TrainingLoss, "the loss falls while the block trains");
    }

    [TestMethod]
    public void AFeatureColumnOfTheWrongSize_IsAClearError()
    {
        var ml = TestData.Context();
        var (train, _) = DigitsData.Split(ml);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SoftTargetCrossEntropyTrainer(Options(0) with
        {
            Backbone = new BackboneOptions { Model = Backbone.Value },
            FeatureColumnName = "Features",
        }).Fit(ml.Transforms.Concatenate("Features", "Features", "Features").Fit(train).Transform(train)));
        StringAssert.Contains(e.Message, "128 values");
    }

    public sealed class EmbeddedRow
    {
        public float[] Features { get; set; } = [];

        public uint Label { get; set; }
    }
}

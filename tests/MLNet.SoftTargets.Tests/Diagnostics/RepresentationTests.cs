using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets.Tests.Diagnostics;

[TestClass]
public sealed class RepresentationTests
{
    private static IDataView Embedded(MLContext ml, int k, int d, (float[] Embedding, int Label)[] rows, bool withLogits = false)
    {
        var definition = SchemaDefinition.Create(typeof(EmbeddedRow));
        definition["Label"].ColumnType = new KeyDataViewType(typeof(uint), k);
        definition["Embedding"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, d);
        definition["Logits"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, d);
        var view = ml.Data.LoadFromEnumerable(rows.Select(r => new EmbeddedRow { Embedding = r.Embedding, Logits = r.Embedding.Select(v => 2 * v).ToArray(), Label = (uint)r.Label }), definition);
        return withLogits ? view : ml.Transforms.DropColumns("Logits").Fit(view).Transform(view);
    }

    [TestMethod]
    public void NormsAndTightness_EqualAHandComputation()
    {
        var ml = TestData.Context();
        // Class 0 around (0, 0): (1, 0) and (-1, 0); class 1 around (10, 0): (10, 3) and (10, -3). 
        var data = Embedded(ml, 2, 2, [([1, 0], 0), ([-1, 0], 0), ([10, 3], 1), ([10, -3], 1)], withLogits: true);
        var m = ml.MulticlassClassification.AnalyzeRepresentation(data);
        double n = Math.Sqrt(109);
        Assert.AreEqual((1 + 1 + n + n) / 4, m.FeatureNorm.Mean, 1e-9);
        Assert.AreEqual(1.0, m.FeatureNorm.MeanPerClass[0], 1e-9);
        Assert.AreEqual(n, m.FeatureNorm.MeanPerClass[1], 1e-6);
        Assert.AreEqual((1 + n) / 2, m.FeatureNorm.Median, 1e-6);
        Assert.AreEqual(1.0, m.IntraClassDistance[0], 1e-9);
        Assert.AreEqual(3.0, m.IntraClassDistance[1], 1e-9);
        Assert.AreEqual(10.0, m.InterCentroidDistance, 1e-9);
        Assert.AreEqual((1 + 1 + 3 + 3) / 4.0 / 10.0, m.TightnessRatio, 1e-9);
        Assert.IsNotNull(m.LogitNorm);
        Assert.AreEqual(2 * m.FeatureNorm.Mean, m.LogitNorm.Mean, 1e-6, "logits are twice the embedding here");
        Assert.AreEqual(4, m.RowCount);
    }

    [TestMethod]
    public void WithoutALogitsColumn_OnlyTheFeaturesAreAnalysed_AndAMissingEmbeddingIsAClearError()
    {
        var ml = TestData.Context();
        var data = Embedded(ml, 2, 2, [([1, 0], 0), ([0, 1], 1)]);
        Assert.IsNull(ml.MulticlassClassification.AnalyzeRepresentation(data).LogitNorm);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.AnalyzeRepresentation(data, embeddingColumnName: "Penultimate"));
        StringAssert.Contains(e.Message, "OutputEmbedding");
    }

    [TestMethod]
    public void TemplatePlane_PutsTheTemplatesAtTheirPlaneCoordinates_AndKeepsInPlaneDistances()
    {
        var ml = TestData.Context();
        var (train, _) = DigitsData.Split(ml);
        var model = new SoftTargetCrossEntropyTrainer(new SoftTargetCrossEntropyTrainer.Options
        {
            SoftTargetColumnName = null, HiddenLayerSizes = [8], Epochs = 2, Device = TrainingDevice.Cpu, OutputEmbedding = true,
        }).Fit(train);
        var weight = model.GetParameters()["layer1.weight"];
        float[] Template(int c) => Enumerable.Range(0, 8).Select(i => weight[i * 10 + c]).ToArray();
        // Feed the templates themselves (and one more point in their plane) as embeddings.
        var a = Template(0);
        var b = Template(1);
        var c = Template(2);
        var mid = a.Select((v, i) => (v + b[i] + c[i]) / 3).ToArray();
        var data = Embedded(ml, 10, 8, [(a, 0), (b, 1), (c, 2), (mid, 0), (Template(5), 5)]);
        var projection = ml.MulticlassClassification.ProjectOnTemplatePlane(model, data, [0, 1, 2]);
        CollectionAssert.AreEqual(new[] { "0", "1", "2" }, projection.ClassNames.ToArray());
        Assert.HasCount(4, projection.Points, "class 5 is not one of the three");
        for (int t = 0; t < 3; t++)
        {
            Assert.AreEqual(projection.Templates[t].X, projection.Points[t].X, 1e-5);
            Assert.AreEqual(projection.Templates[t].Y, projection.Points[t].Y, 1e-5);
        }
        double Distance(float[] p, float[] q) => Math.Sqrt(p.Select((v, i) => (double)(v - q[i]) * (v - q[i])).Sum());
        double PlaneDistance((double X, double Y) p, (double X, double Y) q) => Math.Sqrt((p.X - q.X) * (p.X - q.X) + (p.Y - q.Y) * (p.Y - q.Y));
        Assert.AreEqual(Distance(b, c), PlaneDistance(projection.Templates[1], projection.Templates[2]), 1e-5);
        Assert.AreEqual((projection.Templates[1].X + projection.Templates[2].X) / 3, projection.Points[3].X, 1e-5, "the centroid of the templates");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.ProjectOnTemplatePlane(model, data, [0, 0, 1]));
    }

    public sealed class EmbeddedRow
    {
        public float[] Embedding { get; set; } = [];

        public float[] Logits { get; set; } = [];

        public uint Label { get; set; }
    }
}

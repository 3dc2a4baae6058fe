using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets.Tests.Persistence;

/// <summary>
/// Every transform saves with <c>mlContext.Model.Save</c> and loads with <c>mlContext.Model.Load</c> as stock
/// ML.NET components, giving the same values and the same output schema as before saving.
/// </summary>
[TestClass]
public sealed class PersistenceTests
{
    private static readonly float[][] VectorRows =
    [
        [0.7f, 0.2f, 0.1f, 0f],
        [0.25f, 0.25f, 0.4f, 0.1f],
        [3f, 1f, 0f, 0f],
        [0.001f, 0.002f, 0.003f, 0.994f],
        [float.NaN, 0.5f, 0.5f, 0f],
        [-0.5f, 1f, 0.5f, 0f],
        [0f, 0f, 0f, 0f],
        [float.PositiveInfinity, 0f, 0f, 0f],
    ];

    public static IEnumerable<object[]> Smoothing =>
        from kind in Enum.GetValues<LabelSmoothingKind>()
        from alpha in new[] { 0.0, 0.1, 0.5, 0.999 }
        select new object[] { kind, alpha };

    public static IEnumerable<object[]> Temperatures => new[] { 0.001, 0.01, 0.5, 1, 2, 10 }.Select(t => new object[] { t });

    [TestMethod]
    [DynamicData(nameof(Smoothing))]
    public void SmoothLabels_OnKeys_ReloadsBitIdentical(LabelSmoothingKind kind, double alpha)
    {
        var ml = TestData.Context();
        var names = TestData.ClassNames(5);
        var data = TestData.Keys(ml, names, "c0", "c4", null, "c2", "c2", "c1", "c3");
        AssertSameAfterReload(ml.Transforms.SmoothLabels(alpha, kind: kind).Fit(data), data, tolerance: 0);
    }

    [TestMethod]
    [DynamicData(nameof(Smoothing))]
    public void SmoothLabels_OnProbabilityVectors_ReloadsEqualToFloatRounding(LabelSmoothingKind kind, double alpha)
    {
        var ml = TestData.Context();
        var data = TestData.Vectors(ml, 4, VectorRows, ["w", "x", "y", "z"]);
        AssertSameAfterReload(ml.Transforms.SmoothLabels(alpha, kind: kind).Fit(data), data, tolerance: 1e-6);
    }

    [TestMethod]
    [DynamicData(nameof(Temperatures))]
    public void SharpenLabels_OnProbabilityVectors_ReloadsEqualToFloatRounding(double t)
    {
        var ml = TestData.Context();
        var data = TestData.Vectors(ml, 4, VectorRows, ["w", "x", "y", "z"]);
        AssertSameAfterReload(ml.Transforms.SharpenLabels(t).Fit(data), data, tolerance: 1e-6);
    }

    [TestMethod]
    public void SharpenLabels_OnKeys_ReloadsBitIdentical()
    {
        var ml = TestData.Context();
        var data = TestData.Keys(ml, ["a", "b", "c"], "a", null, "c");
        AssertSameAfterReload(ml.Transforms.SharpenLabels(0.01).Fit(data), data, tolerance: 0);
    }

    [TestMethod]
    public void AWholePipeline_WithOutputOverwritingItsInput_ReloadsWithTheSameSchema()
    {
        var ml = TestData.Context();
        var raw = ml.Data.LoadFromEnumerable(new[] { "b", "a", "c", "a" }.Select(n => new TestData.NameRow { Name = n }));
        var model = ml.Transforms.Conversion.MapValueToKey("Label", "Name")
            .Append(ml.Transforms.SmoothLabels(0.1, kind: LabelSmoothingKind.ClassPrior))
            .Append(ml.Transforms.SharpenLabels(0.5, "SoftTarget", "SoftTarget"))
            .Fit(raw);
        AssertSameAfterReload(model, raw, tolerance: 1e-6);
    }

    [TestMethod]
    public void TheSavedModel_ContainsOnlyStockMLNetComponents()
    {
        var ml = TestData.Context();
        var data = TestData.Vectors(ml, 4, VectorRows);
        var loaded = TestData.SaveAndLoad(ml.Transforms.SmoothLabels(0.1, kind: LabelSmoothingKind.ClassPrior).Fit(data), data.Schema);
        var assemblies = Flatten(loaded).Select(t => t.GetType().Assembly.GetName().Name).Distinct().ToArray();
        Assert.IsTrue(assemblies.All(a => a!.StartsWith("Microsoft.ML", StringComparison.Ordinal)), string.Join(", ", assemblies));
    }

    private static IEnumerable<ITransformer> Flatten(ITransformer transformer) =>
        transformer is IEnumerable<ITransformer> chain ? chain.SelectMany(Flatten) : [transformer];

    private static void AssertSameAfterReload(ITransformer model, IDataView data, double tolerance)
    {
        var before = model.Transform(data);
        var loaded = TestData.SaveAndLoad(model, data.Schema);
        var after = loaded.Transform(data);
        TestData.AssertSameVisibleSchema(before.Schema, after.Schema);
        TestData.AssertSameVisibleSchema(model.GetOutputSchema(data.Schema), loaded.GetOutputSchema(data.Schema));
        TestData.AssertRowsEqual(TestData.Rows(before, "SoftTarget"), TestData.Rows(after, "SoftTarget"), tolerance, "before vs after reload");
    }
}

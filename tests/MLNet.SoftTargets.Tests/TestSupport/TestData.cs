using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets.Tests.TestSupport;

/// <summary>Shared builders for the tests: small labelled views, reading columns, save → load.</summary>
internal static class TestData
{
    public static MLContext Context() => new(seed: 1);

    /// <summary>
    /// A view with a string column <c>Name</c> and a key column <c>Label</c> (Key&lt;UInt32, K&gt;) whose key values
    /// are <paramref name="classNames"/> in that order; a null entry in <paramref name="labels"/> is a missing key.
    /// </summary>
    public static IDataView Keys(MLContext ml, string[] classNames, params string?[] labels)
    {
        var rows = labels.Select(l => new NameRow { Name = l ?? "<missing>" }).ToArray();
        var data = ml.Data.LoadFromEnumerable(rows);
        var keyData = ml.Data.LoadFromEnumerable(classNames.Select(n => new NameRow { Name = n }));
        return ml.Transforms.Conversion.MapValueToKey("Label", "Name", keyData: keyData).Fit(data).Transform(data);
    }

    /// <summary>Class names "c0".."c{K-1}".</summary>
    public static string[] ClassNames(int k) => Enumerable.Range(0, k).Select(i => "c" + i).ToArray();

    /// <summary>A view with a <c>Vector&lt;Single, K&gt;</c> column <c>Label</c>, optionally with slot names.</summary>
    public static IDataView Vectors(MLContext ml, int k, float[][] rows, string[]? slotNames = null)
    {
        var definition = SchemaDefinition.Create(typeof(VectorRow));
        definition["Label"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, k);
        if (slotNames is not null)
        {
            var names = new VBuffer<ReadOnlyMemory<char>>(k, slotNames.Select(s => s.AsMemory()).ToArray());
            definition["Label"].AddAnnotation("SlotNames", names, new VectorDataViewType(TextDataViewType.Instance, k));
        }
        return ml.Data.LoadFromEnumerable(rows.Select(r => new VectorRow { Label = r }), definition);
    }

    /// <summary>
    /// The <see cref="SchemaShape"/> of a schema. ML.NET keeps <c>SchemaShape.Create</c> internal and gives
    /// <see cref="SchemaShape.Column"/> no public constructor, so the test reaches it by reflection (the
    /// library itself never does).
    /// </summary>
    public static SchemaShape Shape(DataViewSchema schema) =>
        (SchemaShape)typeof(SchemaShape).GetMethod("Create", System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic)!
            .Invoke(null, [schema])!;

    /// <summary>All values of a float-vector column, densified.</summary>
    public static float[][] Rows(IDataView data, string column) =>
        data.GetColumn<VBuffer<float>>(data.Schema[column]).Select(v => v.DenseValues().ToArray()).ToArray();

    public static string[] SlotNames(DataViewSchema.Column column)
    {
        var names = default(VBuffer<ReadOnlyMemory<char>>);
        column.GetSlotNames(ref names);
        return names.DenseValues().Select(n => n.ToString()).ToArray();
    }

    /// <summary>Saves <paramref name="model"/> with <c>mlContext.Model.Save</c> and loads it back in a fresh context.</summary>
    public static ITransformer SaveAndLoad(ITransformer model, DataViewSchema inputSchema)
    {
        using var stream = new MemoryStream();
        Context().Model.Save(model, inputSchema, stream);
        stream.Position = 0;
        return new MLContext(seed: 2).Model.Load(stream, out _);
    }

    /// <summary>Asserts equal shape and equal values (NaN equals NaN), each value within <paramref name="tolerance"/>.</summary>
    public static void AssertRowsEqual(float[][] expected, float[][] actual, double tolerance, string what)
    {
        Assert.HasCount(expected.Length, actual, what + ": row count");
        for (int r = 0; r < expected.Length; r++)
        {
            Assert.HasCount(expected[r].Length, actual[r], $"{what}: row {r} length");
            for (int i = 0; i < expected[r].Length; i++)
            {
                if (float.IsNaN(expected[r][i]))
                    Assert.IsTrue(float.IsNaN(actual[r][i]), $"{what}: row {r} slot {i} expected NaN, got {actual[r][i]}");
                else
                    Assert.AreEqual(expected[r][i], actual[r][i], tolerance, $"{what}: row {r} slot {i}");
            }
        }
    }

    /// <summary>The largest absolute difference between two models' parameters (same names and shapes).</summary>
    public static double MaxParameterDifference(SoftTargetCrossEntropyModel a, SoftTargetCrossEntropyModel b)
    {
        var pa = a.GetParameters();
        var pb = b.GetParameters();
        return pa.Keys.Max(name => pa[name].Zip(pb[name]).Max(p => Math.Abs(p.First - p.Second)));
    }

    /// <summary>Asserts that two schemas have the same visible columns in the same order, with the same types and slot names.</summary>
    public static void AssertSameVisibleSchema(DataViewSchema expected, DataViewSchema actual)
    {
        var e = expected.Where(c => !c.IsHidden).ToArray();
        var a = actual.Where(c => !c.IsHidden).ToArray();
        CollectionAssert.AreEqual(e.Select(c => c.Name).ToArray(), a.Select(c => c.Name).ToArray(), "visible column names");
        for (int i = 0; i < e.Length; i++)
        {
            Assert.AreEqual(e[i].Type, a[i].Type, $"type of column '{e[i].Name}'");
            CollectionAssert.AreEqual(e[i].Annotations.Schema.Select(c => c.Name).ToArray(), a[i].Annotations.Schema.Select(c => c.Name).ToArray(), $"annotations of '{e[i].Name}'");
            if (e[i].Annotations.Schema.GetColumnOrNull("SlotNames") is not null)
                CollectionAssert.AreEqual(SlotNames(e[i]), SlotNames(a[i]), $"slot names of '{e[i].Name}'");
        }
    }

    public sealed class NameRow
    {
        public string Name { get; set; } = "";
    }

    public sealed class VectorRow
    {
        public float[] Label { get; set; } = [];
    }
}

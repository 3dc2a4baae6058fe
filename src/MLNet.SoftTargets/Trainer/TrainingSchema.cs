using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets;

/// <summary>The validated columns a <see cref="SoftTargetCrossEntropyTrainer"/> reads, with D, K and the class names.</summary>
internal sealed class TrainingSchema
{
    private TrainingSchema(SoftTargetCrossEntropyTrainer.Options options, int featureCount, int classCount, string[] classNames, DataViewSchema.Column label)
    {
        Options = options;
        FeatureCount = featureCount;
        ClassCount = classCount;
        ClassNames = classNames;
        Label = label;
    }

    public SoftTargetCrossEntropyTrainer.Options Options { get; }

    /// <summary>D, the feature vector's size.</summary>
    public int FeatureCount { get; }

    /// <summary>K, the label key's count.</summary>
    public int ClassCount { get; }

    /// <summary>The label's key values as text, in key order ("0".."K-1" when the key has none).</summary>
    public string[] ClassNames { get; }

    public DataViewSchema.Column Label { get; }

    /// <summary>Checks every column the options name against <paramref name="schema"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type or size.</exception>
    public static TrainingSchema Create(DataViewSchema schema, SoftTargetCrossEntropyTrainer.Options options, string what = "training data")
    {
        var (label, k) = ColumnContract.RequireKeyLabel(schema, options.LabelColumnName, nameof(options.LabelColumnName), what);
        var (_, d) = ColumnContract.RequireFloatVector(schema, options.FeatureColumnName, nameof(options.FeatureColumnName), what);
        if (options.SoftTargetColumnName is { } softName)
        {
            ColumnContract.RequireFloatVector(schema, softName, nameof(options.SoftTargetColumnName), what, k,
                $"one slot per class of label column '{options.LabelColumnName}', which has {k} classes",
                "Make it with mlContext.Transforms.SmoothLabels(...) or SharpenLabels(...), or pass softTargetColumnName: null to train on the labels' one-hot targets.");
        }
        if (options.ExampleWeightColumnName is { } weightName)
            ColumnContract.RequireSingle(schema, weightName, nameof(options.ExampleWeightColumnName), what);
        return new TrainingSchema(options, d, k, ClassNamesOf(label, k), label);
    }

    private static string[] ClassNamesOf(DataViewSchema.Column label, int k)
    {
        var keyValues = label.Annotations.Schema.GetColumnOrNull("KeyValues");
        if (keyValues?.Type is VectorDataViewType { ItemType: TextDataViewType } textValues && textValues.Size == k)
        {
            var names = default(VBuffer<ReadOnlyMemory<char>>);
            label.Annotations.GetValue("KeyValues", ref names);
            return names.DenseValues().Select(n => n.ToString()).ToArray();
        }
        if (keyValues?.Type is VectorDataViewType { Size: var size } valueType && size == k)
        {
            var getter = typeof(TrainingSchema).GetMethod(nameof(ValuesAsText), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                .MakeGenericMethod(valueType.ItemType.RawType);
            return (string[])getter.Invoke(null, [label])!;
        }
        return Enumerable.Range(0, k).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    }

    private static string[] ValuesAsText<T>(DataViewSchema.Column label)
    {
        var values = default(VBuffer<T>);
        label.Annotations.GetValue("KeyValues", ref values);
        return values.DenseValues().Select(v => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) ?? "").ToArray();
    }
}

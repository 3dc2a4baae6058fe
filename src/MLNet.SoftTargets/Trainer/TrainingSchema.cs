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
        var label = Find(schema, options.LabelColumnName, nameof(options.LabelColumnName), what);
        if (label.Type is not KeyDataViewType { RawType: var raw } key || raw != typeof(uint))
            throw Mismatch(options.LabelColumnName, label.Type, "a key (Key<UInt32, K>, e.g. from MapValueToKey)", what);
        if (key.Count < 2 || key.Count > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(options.LabelColumnName), options.LabelColumnName,
                $"Label column '{options.LabelColumnName}' in the {what} has {key.Count} classes; at least 2 are needed.");
        int k = (int)key.Count;

        var features = Find(schema, options.FeatureColumnName, nameof(options.FeatureColumnName), what);
        if (features.Type is not VectorDataViewType { ItemType: var item, IsKnownSize: true } vector || item != NumberDataViewType.Single)
            throw Mismatch(options.FeatureColumnName, features.Type, "a known-size float vector (Vector<Single, D>)", what);

        if (options.SoftTargetColumnName is { } softName)
        {
            var soft = Find(schema, softName, nameof(options.SoftTargetColumnName), what);
            if (soft.Type is not VectorDataViewType { ItemType: var softItem, IsKnownSize: true } softVector || softItem != NumberDataViewType.Single)
                throw Mismatch(softName, soft.Type, $"a float vector with one slot per class (Vector<Single, {k}>)", what);
            if (softVector.Size != k)
                throw new ArgumentOutOfRangeException(nameof(options.SoftTargetColumnName), softName,
                    $"Soft-target column '{softName}' in the {what} has {softVector.Size} slots but label column '{options.LabelColumnName}' has {k} classes; they must agree.");
        }
        if (options.ExampleWeightColumnName is { } weightName)
        {
            var weight = Find(schema, weightName, nameof(options.ExampleWeightColumnName), what);
            if (weight.Type != NumberDataViewType.Single)
                throw Mismatch(weightName, weight.Type, "a Single", what);
        }
        return new TrainingSchema(options, vector.Size, k, ClassNamesOf(label, k), label);
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

    private static DataViewSchema.Column Find(DataViewSchema schema, string name, string option, string what) =>
        schema.GetColumnOrNull(name) ?? throw new ArgumentOutOfRangeException(option, name,
            $"Column '{name}' ({option}) was not found in the {what}; available columns: {string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => c.Name))}.");

    private static ArgumentOutOfRangeException Mismatch(string name, DataViewType actual, string expected, string what) =>
        new(name, name, $"Column '{name}' in the {what} has type {actual}; expected {expected}.");
}

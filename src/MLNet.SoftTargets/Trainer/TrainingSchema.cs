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

    /// <summary>Whether the label key carries key values (else <see cref="ClassNames"/> are the indices).</summary>
    public bool HasKeyValues => Label.Annotations.Schema.GetColumnOrNull("KeyValues") is { Type: VectorDataViewType { Size: var size } } && size == ClassCount;

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

    /// <summary>
    /// Checks that <paramref name="validation"/> (the validation data's columns, <paramref name="validationSchema"/>)
    /// describes the same problem as this training schema: the same feature size, the same label key count and key
    /// values, and — when the validation data has the soft-target column too — the same soft-target width.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A difference; the message names the column and both values.</exception>
    public void RequireSameProblem(TrainingSchema validation, DataViewSchema validationSchema)
    {
        const string Param = "validationData";
        if (validation.FeatureCount != FeatureCount)
            throw new ArgumentOutOfRangeException(Param, $"Feature column '{Options.FeatureColumnName}' of the validation data has {validation.FeatureCount} values " +
                $"but the training data's has {FeatureCount}: both must describe the same features.");
        if (validation.ClassCount != ClassCount)
            throw new ArgumentOutOfRangeException(Param, $"Label column '{Options.LabelColumnName}' of the validation data has {validation.ClassCount} classes " +
                $"but the training data's has {ClassCount}: map both with the same MapValueToKey (fit it once, on the training data or with keyData).");
        // A key without key values (a bare Key<UInt32, K>) has no names to compare: its count matched.
        for (int i = 0; i < ClassCount && HasKeyValues && validation.HasKeyValues; i++)
        {
            if (ClassNames[i] != validation.ClassNames[i])
                throw new ArgumentOutOfRangeException(Param, $"Label column '{Options.LabelColumnName}' has other key values in the validation data: key {i + 1} is " +
                    $"'{validation.ClassNames[i]}' there but '{ClassNames[i]}' in the training data (training keys: {Preview(ClassNames)}; validation keys: " +
                    $"{Preview(validation.ClassNames)}). Map both with the same MapValueToKey (fit it once, on the training data or with keyData).");
        }
        if (Options.SoftTargetColumnName is { } soft && validationSchema.GetColumnOrNull(soft) is { } column
            && column.Type is VectorDataViewType { Size: var width } && width != ClassCount)
            throw new ArgumentOutOfRangeException(Param, $"Soft-target column '{soft}' of the validation data has {width} values " +
                $"but the training data's has {ClassCount} (one per class).");
    }

    private static string Preview(string[] names) =>
        names.Length <= 12 ? string.Join(", ", names) : string.Join(", ", names.Take(12)) + $", … ({names.Length} in all)";

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

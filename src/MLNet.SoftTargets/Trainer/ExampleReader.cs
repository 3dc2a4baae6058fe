using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets;

/// <summary>
/// Reads training examples from a cursor into caller-owned spans: features, the soft target (or the one-hot of the
/// label) and the weight. Data errors throw with the column and row; missing examples are reported, not read.
/// </summary>
/// <remarks>
/// An example is missing when its soft target contains NaN (the transforms' marker), or, when training on the label's
/// one-hot, when its label key is missing. With a soft-target column the label of a row may be missing (unlabelled
/// rows with pseudo-labels train on their soft targets).
/// </remarks>
internal sealed class ExampleReader
{
    /// <summary>How far a soft-target row may sum from 1.</summary>
    public const float SumTolerance = 1e-3f;

    private readonly TrainingSchema _schema;
    private readonly DataViewRowCursor _cursor;
    private readonly ValueGetter<VBuffer<float>> _features;
    private readonly ValueGetter<uint> _label;
    private readonly ValueGetter<VBuffer<float>>? _softTarget;
    private readonly ValueGetter<float>? _weight;
    private VBuffer<float> _featureBuffer;
    private VBuffer<float> _targetBuffer;

    public ExampleReader(DataViewRowCursor cursor, TrainingSchema schema)
    {
        _schema = schema;
        _cursor = cursor;
        var options = schema.Options;
        _features = cursor.GetGetter<VBuffer<float>>(cursor.Schema[options.FeatureColumnName]);
        _label = cursor.GetGetter<uint>(cursor.Schema[options.LabelColumnName]);
        if (options.SoftTargetColumnName is { } soft)
            _softTarget = cursor.GetGetter<VBuffer<float>>(cursor.Schema[soft]);
        if (options.ExampleWeightColumnName is { } weight)
            _weight = cursor.GetGetter<float>(cursor.Schema[weight]);
    }

    /// <summary>The columns a cursor must make active.</summary>
    public static IEnumerable<DataViewSchema.Column> Columns(DataViewSchema schema, SoftTargetCrossEntropyTrainer.Options options)
    {
        yield return schema[options.FeatureColumnName];
        yield return schema[options.LabelColumnName];
        if (options.SoftTargetColumnName is { } soft)
            yield return schema[soft];
        if (options.ExampleWeightColumnName is { } weight)
            yield return schema[weight];
    }

    /// <summary>
    /// Reads the current row. Returns false, leaving the spans partly written, when the example is missing.
    /// </summary>
    /// <exception cref="InvalidOperationException">A feature is NaN or infinite, a soft target is negative or does not sum to 1, or a weight is negative or not finite.</exception>
    public bool Read(Span<float> features, Span<float> target, out float weight)
    {
        var options = _schema.Options;
        weight = 1f;
        if (_softTarget is not null)
        {
            _softTarget(ref _targetBuffer);
            if (_targetBuffer.Length != target.Length)
                throw RowError(options.SoftTargetColumnName!, $"has {_targetBuffer.Length} values but its type says {target.Length}; every row must have the column type's size");
            _targetBuffer.CopyTo(target);
            if (SoftTargetKernels.IsMissing(target))
                return false;
            float sum = 0;
            for (int k = 0; k < target.Length; k++)
            {
                if (!(target[k] >= 0) || float.IsPositiveInfinity(target[k]))
                    throw RowError(options.SoftTargetColumnName!, $"entry {k} is {target[k]}; soft targets must be probabilities (≥ 0, finite)");
                sum += target[k];
            }
            if (Math.Abs(sum - 1f) > SumTolerance)
                throw RowError(options.SoftTargetColumnName!, $"sums to {sum}, not 1 (tolerance {SumTolerance}); normalise it, or make it with SmoothLabels / SharpenLabels, which write distributions");
        }
        else
        {
            uint key = 0;
            _label(ref key);
            if (key == 0)
                return false;
            target.Clear();
            target[(int)key - 1] = 1f;
        }

        _features(ref _featureBuffer);
        // A view can hand out vectors of another length than its type declares (LoadFromEnumerable with a [VectorType]
        // size that the arrays do not have): copying would leave the rest of the buffer from the previous row.
        if (_featureBuffer.Length != features.Length)
            throw RowError(options.FeatureColumnName, $"has {_featureBuffer.Length} values but its type says {features.Length}; every row must have the column type's size");
        _featureBuffer.CopyTo(features);
        for (int i = 0; i < features.Length; i++)
        {
            if (!float.IsFinite(features[i]))
                throw RowError(options.FeatureColumnName, $"slot {i} is {features[i]}; features must be finite (replace missing values first, e.g. with ReplaceMissingValues)");
        }

        if (_weight is not null)
        {
            _weight(ref weight);
            if (!(weight >= 0) || !float.IsFinite(weight))
                throw RowError(options.ExampleWeightColumnName!, $"weight {weight} is not a finite number ≥ 0");
        }
        return true;
    }

    private InvalidOperationException RowError(string column, string problem) =>
        new($"Column '{column}' row {_cursor.Position}: {problem}.");
}

using Microsoft.ML;

namespace MLNet.SoftTargets;

/// <summary>
/// Sharpening (MixMatch, Berthelot et al. 2019) or temperature softening (Hinton et al. 2015) of a
/// probability vector: <c>p_k^(1/T) / Σ_j p_j^(1/T)</c>. Nothing is learned; <c>Fit</c> only checks the schema.
/// </summary>
public sealed class SharpenLabelsEstimator : IEstimator<SharpenLabelsTransformer>
{
    /// <summary>Creates the estimator; see <c>mlContext.Transforms.SharpenLabels</c> for the arguments.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="temperature"/> is not a finite number &gt; 0.</exception>
    /// <exception cref="ArgumentException">A column name is null or empty.</exception>
    public SharpenLabelsEstimator(double temperature, string outputColumnName = "SoftTarget", string inputColumnName = "Label")
    {
        SoftTargetKernels.CheckTemperature(temperature, nameof(temperature));
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        ArgumentException.ThrowIfNullOrEmpty(inputColumnName);
        Temperature = temperature;
        OutputColumnName = outputColumnName;
        InputColumnName = inputColumnName;
    }

    /// <summary>T: below 1 sharpens, 1 only normalises, above 1 softens.</summary>
    public double Temperature { get; }

    /// <summary>The soft-target column written.</summary>
    public string OutputColumnName { get; }

    /// <summary>The key or probability-vector column read.</summary>
    public string InputColumnName { get; }

    /// <summary>Checks the input column and returns the transformer.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or of an unsupported type.</exception>
    public SharpenLabelsTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var column = SoftTargetInputColumn.FromSchema(input.Schema, InputColumnName, nameof(InputColumnName));
        return new SharpenLabelsTransformer(column, OutputColumnName, Temperature);
    }

    /// <summary>The input shape plus the soft-target column.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or of an unsupported type.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema) =>
        Persistence.StockSchemaShapes.SoftTarget(inputSchema, InputColumnName, OutputColumnName);
}

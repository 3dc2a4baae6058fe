using Microsoft.ML;

namespace MLNet.SoftTargets;

/// <summary>
/// What every score calibrator shares (<see cref="CalibrateTemperatureEstimator"/>, <see cref="CalibrateVectorScalingEstimator"/>,
/// <see cref="CalibrateDirichletEstimator"/>): the key label and the probability column it fits on and rewrites in place,
/// and the output shape (the score keeps its name and type).
/// </summary>
/// <typeparam name="TTransformer">The fitted calibrator.</typeparam>
public abstract class ScoreCalibrationEstimator<TTransformer> : IEstimator<TTransformer>
    where TTransformer : ITransformer
{
    /// <summary>Checks the column names.</summary>
    /// <exception cref="ArgumentException">A column name is null or empty.</exception>
    private protected ScoreCalibrationEstimator(string labelColumnName, string scoreColumnName)
    {
        ArgumentException.ThrowIfNullOrEmpty(labelColumnName);
        ArgumentException.ThrowIfNullOrEmpty(scoreColumnName);
        LabelColumnName = labelColumnName;
        ScoreColumnName = scoreColumnName;
    }

    /// <summary>The key label column.</summary>
    public string LabelColumnName { get; }

    /// <summary>The probability column, rewritten in place.</summary>
    public string ScoreColumnName { get; }

    /// <summary>Fits the calibrator on <paramref name="input"/>'s labelled rows (use held-out data).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type.</exception>
    /// <exception cref="InvalidOperationException">No labelled rows, or a score row that is not a distribution.</exception>
    public abstract TTransformer Fit(IDataView input);

    /// <summary>The input shape (the score keeps its name and type).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema) =>
        Persistence.StockSchemaShapes.SoftTarget(inputSchema, ScoreColumnName, ScoreColumnName);
}

using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets;

/// <summary>
/// Label smoothing (Szegedy et al. 2016): turns a key label or a probability vector into a soft target
/// that keeps <c>1-α</c> of the target mass and spreads α by the chosen <see cref="LabelSmoothingKind"/>.
/// </summary>
public sealed class SmoothLabelsEstimator : IEstimator<SmoothLabelsTransformer>
{
    /// <summary>Creates the estimator; see <c>mlContext.Transforms.SmoothLabels</c> for the arguments.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="alpha"/> is NaN or outside [0, 1), or <paramref name="kind"/> is unknown.</exception>
    /// <exception cref="ArgumentException">A column name is null or empty.</exception>
    public SmoothLabelsEstimator(double alpha, string outputColumnName = "SoftTarget", string inputColumnName = "Label", LabelSmoothingKind kind = LabelSmoothingKind.OffTarget)
    {
        if (!(alpha >= 0 && alpha < 1))
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha,
                $"alpha is the probability mass moved off the target and must be in [0, 1); got {alpha}.");
        if (!Enum.IsDefined(kind))
            throw new ArgumentOutOfRangeException(nameof(kind), kind, $"kind must be one of {string.Join(", ", Enum.GetNames<LabelSmoothingKind>())}; got {kind}.");
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        ArgumentException.ThrowIfNullOrEmpty(inputColumnName);
        Alpha = alpha;
        OutputColumnName = outputColumnName;
        InputColumnName = inputColumnName;
        Kind = kind;
    }

    /// <summary>α, the probability mass moved off the target.</summary>
    public double Alpha { get; }

    /// <summary>The soft-target column written.</summary>
    public string OutputColumnName { get; }

    /// <summary>The key or probability-vector column read.</summary>
    public string InputColumnName { get; }

    /// <summary>The smoothing convention.</summary>
    public LabelSmoothingKind Kind { get; }

    /// <summary>
    /// Checks the input column; for <see cref="LabelSmoothingKind.ClassPrior"/> also counts the class
    /// frequencies over the non-missing rows of <paramref name="input"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or of an unsupported type.</exception>
    /// <exception cref="InvalidOperationException">ClassPrior smoothing on data with no non-missing rows.</exception>
    public SmoothLabelsTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var column = SoftTargetInputColumn.FromSchema(input.Schema, InputColumnName, nameof(InputColumnName));
        double[]? prior = Kind == LabelSmoothingKind.ClassPrior ? ClassFrequencies.Count(input, column) : null;
        return new SmoothLabelsTransformer(column, OutputColumnName, Alpha, Kind, prior);
    }

    /// <summary>The input shape plus the soft-target column (<c>Vector&lt;Single&gt;</c>, slot names when the input has class names).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or of an unsupported type.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema) =>
        Persistence.StockSchemaShapes.SoftTarget(inputSchema, InputColumnName, OutputColumnName);
}

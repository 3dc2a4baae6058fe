using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets.Scoring;

/// <summary>
/// Our classifier followed by a temperature calibrator of its Score, scored as one: <c>softmax(z / T)</c> in the
/// classifier's own pass instead of the calibrator's chain of stock stages. The schema is the pair's (the calibrated
/// Score replaces the model's, which stays as a hidden column); saving saves both, as they were.
/// </summary>
internal sealed class CalibratedClassifier : ITransformer
{
    private readonly SoftTargetCrossEntropyModel _model;
    private readonly TemperatureScalingTransformer _calibrator;
    private readonly FastClassifier _fast;

    public CalibratedClassifier(SoftTargetCrossEntropyModel model, TemperatureScalingTransformer calibrator)
    {
        _model = model;
        _calibrator = calibrator;
        _fast = model.Fast.WithTemperature(calibrator.Temperature);
    }

    /// <summary>The classifier.</summary>
    public SoftTargetCrossEntropyModel Model => _model;

    /// <summary>The calibrator (its <see cref="TemperatureScalingTransformer.Temperature"/> is folded in).</summary>
    public TemperatureScalingTransformer Calibrator => _calibrator;

    public bool IsRowToRowMapper => true;

    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => _calibrator.GetOutputSchema(_model.GetOutputSchema(inputSchema));

    public IDataView Transform(IDataView input) => _fast.Transform(input, GetOutputSchema(input.Schema));

    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => _fast.CreateMapper(inputSchema, GetOutputSchema(inputSchema));

    void ICanSaveModel.Save(ModelSaveContext ctx) => ((ICanSaveModel)new TransformerChain<ITransformer>(_model, _calibrator)).Save(ctx);
}

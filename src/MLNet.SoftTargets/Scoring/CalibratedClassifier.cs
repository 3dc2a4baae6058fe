using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets.Scoring;

/// <summary>
/// Our classifier followed by a temperature calibrator of its Score, scored as one: <c>softmax(z / T)</c> in the
/// classifier's own pass instead of the calibrator's chain of stock stages. The schema is the pair's (the calibrated
/// Score replaces the model's, which stays as a hidden column); saving saves both, as they were.
/// </summary>
/// <remarks>
/// Made by <c>LoadWithFastScoring</c>, it owns the model it wraps (the calibrator holds nothing native): <see cref="Dispose"/>
/// disposes the model, and every use afterwards throws <see cref="ObjectDisposedException"/> naming it.
/// </remarks>
internal sealed class CalibratedClassifier : ITransformer, IDisposable
{
    private readonly SoftTargetCrossEntropyModel _model;
    private readonly TemperatureScalingTransformer _calibrator;
    private readonly FastClassifier _fast;
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<DataViewSchema, DataViewSchema> _outputSchemas = new();

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

    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) =>
        _outputSchemas.GetValue(_model.GetOutputSchema(inputSchema), _calibrator.GetOutputSchema);

    public IDataView Transform(IDataView input) => _fast.Transform(input, GetOutputSchema(input.Schema));

    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => _fast.CreateMapper(inputSchema, GetOutputSchema(inputSchema));

    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        _fast.ThrowIfDisposed();
        ((ICanSaveModel)new TransformerChain<ITransformer>(_model, _calibrator)).Save(ctx);
    }

    /// <summary>Disposes the model (idempotent).</summary>
    public void Dispose() => _model.Dispose();
}

using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets.ScoringBenchmark;

/// <summary>
/// An ML.NET model scored the two ways users score: <c>model.Transform(view)</c> and a cursor that reads <c>Score</c>
/// and <c>PredictedLabel</c> of every row of the cached view; and a <see cref="PredictionEngine{TSrc, TDst}"/> made once,
/// <c>engine.Predict(row, ref output)</c> over the same rows with one reused output object.
/// </summary>
internal sealed class TransformerContestant : IScoringContestant
{
    private readonly ITransformer _model;
    private readonly IDataView _view;
    private readonly IReadOnlyList<FeatureRow> _rows;
    private readonly PredictionEngine<FeatureRow, Prediction> _engine;
    private Prediction _output = new();

    /// <summary>A contestant over <paramref name="model"/>, scoring <paramref name="view"/> and <paramref name="data"/>'s row objects.</summary>
    public TransformerContestant(string key, string name, MLContext ml, ITransformer model, IDataView view, ScoringData data)
    {
        Key = key;
        Name = name;
        _model = model;
        _view = view;
        _rows = data.ScoreRows;
        _engine = ml.Model.CreatePredictionEngine<FeatureRow, Prediction>(model, inputSchemaDefinition: data.InputSchema);
    }

    /// <inheritdoc/>
    public string Key { get; }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public bool HasRowPath => true;

    /// <inheritdoc/>
    public void ScoreBatch(ScoreSink? sink)
    {
        var scored = _model.Transform(_view);
        var scoreColumn = scored.Schema["Score"];
        var labelColumn = scored.Schema["PredictedLabel"];
        using var cursor = scored.GetRowCursor([scoreColumn, labelColumn]);
        var score = cursor.GetGetter<VBuffer<float>>(scoreColumn);
        var label = cursor.GetGetter<uint>(labelColumn);
        VBuffer<float> s = default;
        uint key = 0;
        int row = 0;
        while (cursor.MoveNext())
        {
            score(ref s);
            label(ref key);
            if (sink is not null)
                Write(sink, row, s.DenseValues(), key);
            row++;
        }
        if (row != _rows.Count)
            throw new InvalidOperationException($"{Name}: the cursor gave {row} rows, {_rows.Count} expected");
    }

    /// <inheritdoc/>
    public void ScoreRows(ScoreSink? sink)
    {
        for (int row = 0; row < _rows.Count; row++)
        {
            _engine.Predict(_rows[row], ref _output);
            if (sink is not null)
                Write(sink, row, _output.Score, _output.PredictedLabel);
        }
    }

    /// <summary>Disposes the engine and, when it owns native resources, the model.</summary>
    public void Dispose()
    {
        _engine.Dispose();
        (_model as IDisposable)?.Dispose();
    }

    /// <summary>Writes one row's scores and its predicted class (key − 1) to <paramref name="sink"/>, checking that Score has K slots.</summary>
    private void Write(ScoreSink sink, int row, IEnumerable<float> score, uint key)
    {
        var target = sink.Row(row);
        int k = 0;
        foreach (float value in score)
        {
            if (k == target.Length)
                throw new InvalidOperationException($"{Name}: Score has more than {target.Length} slots");
            target[k++] = value;
        }
        if (k != target.Length)
            throw new InvalidOperationException($"{Name}: Score has {k} slots, {target.Length} expected");
        sink.Labels[row] = (int)key - 1;
    }
}

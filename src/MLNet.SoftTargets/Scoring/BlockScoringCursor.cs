using Microsoft.ML;
using Microsoft.ML.Data;
using static MLNet.SoftTargets.Scoring.FastClassifier;

namespace MLNet.SoftTargets.Scoring;

/// <summary>
/// A cursor that scores blocks of rows with one ONNX Runtime call each. A second cursor over the same input, reading
/// only the feature column, runs ahead by up to <see cref="FastClassifier.RowsPerBlock"/> rows; the main cursor, which
/// serves the passed-through columns, follows it row for row. Both are unshuffled cursors of the same view, which by
/// ML.NET's contract (data views are immutable and repeatable) see the same rows in the same order; a mismatch in
/// their lengths is reported, not papered over. Owns its ONNX Runtime buffers (run options, tensors, IO bindings) and both
/// cursors, and releases them on <c>Dispose</c>; the session is the model's, and a model disposed under the cursor makes its
/// next block throw <see cref="ObjectDisposedException"/> (the session releases the cursor's bindings before itself).
/// </summary>
internal sealed class BlockScoringCursor : DataViewRowCursor
{
    private readonly AddedColumnsMapper _mapper;
    private readonly DataViewRowCursor _main;
    private readonly DataViewRowCursor _ahead;
    private readonly ValueGetter<VBuffer<float>> _features;
    private readonly OrtClassifierSession.Block _block;
    private readonly BlockRow _row;
    private readonly bool[] _active;
    private readonly Delegate?[] _getters;
    private readonly bool[] _finite;
    private VBuffer<float> _featureBuffer;
    private int _rowsInBlock;
    private int _offset;
    private bool _aheadDone;

    public BlockScoringCursor(IDataView input, FastClassifier classifier, AddedColumnsMapper mapper, DataViewSchema.Column features,
        IEnumerable<DataViewSchema.Column> columnsNeeded, (int Index, OutputRole Role)[] roles)
    {
        var needed = columnsNeeded.ToList();
        _mapper = mapper;
        _active = mapper.ActiveComputed(needed);
        _finite = new bool[classifier.RowsPerBlock];
        _block = classifier.Session.CreateBlock(classifier.RowsPerBlock);
        try
        {
            _main = input.GetRowCursor(mapper.Dependencies(needed, withSources: false));
            _ahead = input.GetRowCursor([features]);
        }
        catch
        {
            _main?.Dispose();
            _block.Dispose();
            throw;
        }
        _features = _ahead.GetGetter<VBuffer<float>>(features);
        _row = new BlockRow(classifier, roles, _active, this);
        _getters = _row.Getters;
    }

    public override DataViewSchema Schema => _mapper.OutputSchema;

    public override long Position => _main.Position;

    public override long Batch => _main.Batch;

    public override bool MoveNext()
    {
        if (++_offset >= _rowsInBlock)
            FillBlock();
        bool hasRow = _main.MoveNext();
        if (hasRow != (_offset < _rowsInBlock))
            throw new InvalidOperationException("The input data view gave two cursors different numbers of rows; scoring needs a repeatable view.");
        return hasRow;
    }

    public override ValueGetter<DataViewRowId> GetIdGetter() => _main.GetIdGetter();

    public override bool IsColumnActive(DataViewSchema.Column column) => _mapper.IsActive(_main, _active, column);

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => _mapper.GetGetter<TValue>(_main, _getters, column);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _block.Dispose();
            _ahead.Dispose();
            _main.Dispose();
        }
        base.Dispose(disposing);
    }

    private void FillBlock()
    {
        _offset = 0;
        _rowsInBlock = 0;
        int d = _row.Classifier.Spec.FeatureCount;
        while (!_aheadDone && _rowsInBlock < _block.Capacity)
        {
            if (!_ahead.MoveNext())
            {
                _aheadDone = true;
                break;
            }
            _features(ref _featureBuffer);
            ScoreMath.CheckLength(_featureBuffer.Length, d, _ahead.Position, _row.Classifier.Spec.FeatureColumnName);
            var row = _block.Features.AsSpan(_rowsInBlock * d, d);
            _featureBuffer.CopyTo(row);
            _finite[_rowsInBlock] = ScoreMath.AllFinite(row);
            _rowsInBlock++;
        }
        if (_rowsInBlock > 0)
            _block.Run(_rowsInBlock);
    }

    /// <summary>The current row's outputs, read from the block's buffers when a getter asks.</summary>
    private sealed class BlockRow(FastClassifier classifier, (int Index, OutputRole Role)[] roles, bool[] active, BlockScoringCursor cursor)
        : ScoredRow(classifier, roles, active)
    {
        private long _position = -1;

        protected override void Ensure()
        {
            if (cursor.Position == _position)
                return;
            int k = Logits.Length, e = Embedding.Length, r = cursor._offset;
            cursor._block.Logits.AsSpan(r * k, k).CopyTo(Logits);
            if (Classifier.Spec.OutputEmbedding)
                cursor._block.Embedding.AsSpan(r * e, e).CopyTo(Embedding);
            FinishFromLogits(cursor._finite[r]);
            _position = cursor.Position;
        }
    }
}

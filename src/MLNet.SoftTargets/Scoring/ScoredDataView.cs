using Microsoft.ML;

namespace MLNet.SoftTargets.Scoring;

/// <summary>
/// The lazy result of a <see cref="FastClassifier"/>: the input view plus the classifier's columns. Unshuffled cursors of
/// a classifier that scores in blocks use <see cref="BlockScoringCursor"/>; the others score row by row (and can come
/// in parallel sets). Holds nothing native: a cursor of a block-scoring classifier owns its buffers and bindings, and the
/// session stays the model's. Once the model is disposed, new cursors and the next scored row throw
/// <see cref="ObjectDisposedException"/>.
/// </summary>
internal sealed class ScoredDataView(IDataView input, FastClassifier classifier, ScoringBinding binding) : IDataView
{
    public DataViewSchema Schema => binding.Mapper.OutputSchema;

    public bool CanShuffle => input.CanShuffle;

    /// <summary>The classifier that scores this view (the calibrator folds its temperature into it).</summary>
    internal FastClassifier Classifier => classifier;

    /// <summary>The view that is scored.</summary>
    internal IDataView Input => input;

    public long? GetRowCount() => input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        classifier.ThrowIfDisposed();
        var needed = columnsNeeded.ToList();
        var mapper = binding.Mapper;
        var active = mapper.ActiveComputed(needed);
        if (InBlocks(active, rand))
            return new BlockScoringCursor(input, classifier, mapper, binding.Features, needed, binding.Roles);
        return mapper.GetCursor(input.GetRowCursor(mapper.GetDependencies(needed), rand), active);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        classifier.ThrowIfDisposed();
        var needed = columnsNeeded.ToList();
        var mapper = binding.Mapper;
        var active = mapper.ActiveComputed(needed);
        if (InBlocks(active, rand))
            return [GetRowCursor(needed, rand)];
        return input.GetRowCursorSet(mapper.GetDependencies(needed), n, rand).Select(cursor => mapper.GetCursor(cursor, active)).ToArray();
    }

    private bool InBlocks(bool[] active, Random? rand) => classifier.ScoresInBlocks && rand is null && active.Any(a => a);
}

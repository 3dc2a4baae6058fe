using Microsoft.ML;
using Microsoft.ML.Data;
using static MLNet.SoftTargets.Scoring.FastClassifier;

namespace MLNet.SoftTargets.Scoring;

/// <summary>
/// The outputs of one scored row (logits, embedding, Score at the folded temperature, the uncalibrated Score, the
/// predicted key) and the getters that copy them out. Shared by the row-by-row path (<see cref="RowScorer"/>) and the
/// block cursor (<see cref="BlockScoringCursor"/>), which fill it in their own way.
/// </summary>
internal class ScoredRow
{
    private readonly float _inverseTemperature;
    private readonly bool _needsUncalibrated;
    private readonly bool _needsEmbedding;

    protected ScoredRow(FastClassifier classifier, (int Index, OutputRole Role)[] roles, bool[] active)
    {
        var spec = classifier.Spec;
        Classifier = classifier;
        Logits = new float[spec.ClassCount];
        Embedding = new float[spec.EmbeddingSize];
        Score = new float[spec.ClassCount];
        _inverseTemperature = (float)(1 / classifier.Temperature);
        _needsUncalibrated = roles.Where((r, i) => active[i]).Any(r => r.Role == OutputRole.UncalibratedScore);
        _needsEmbedding = roles.Where((r, i) => active[i]).Any(r => r.Role == OutputRole.Embedding);
        Uncalibrated = _needsUncalibrated ? new float[spec.ClassCount] : [];
        Getters = new Delegate?[roles.Length];
        for (int i = 0; i < roles.Length; i++)
        {
            if (!active[i])
                continue;
            Getters[i] = roles[i].Role switch
            {
                OutputRole.Score => Vector(() => Score),
                OutputRole.UncalibratedScore => Vector(() => Uncalibrated),
                OutputRole.Logits => Vector(() => Logits),
                OutputRole.Embedding => Vector(() => Embedding),
                _ => (ValueGetter<uint>)((ref uint dst) =>
                {
                    Ensure();
                    dst = Key;
                }),
            };
        }
    }

    public FastClassifier Classifier { get; }

    /// <summary>One getter per computed column (null for inactive ones).</summary>
    public Delegate?[] Getters { get; }

    protected float[] Logits { get; }

    protected float[] Embedding { get; }

    protected float[] Score { get; }

    protected float[] Uncalibrated { get; }

    protected uint Key { get; private set; }

    /// <summary>Where the penultimate features go: <see cref="Embedding"/> when a getter reads them, else nowhere.</summary>
    protected Span<float> EmbeddingTarget => _needsEmbedding ? Embedding : [];

    /// <summary>Brings the outputs up to date with the current row.</summary>
    protected virtual void Ensure()
    {
    }

    /// <summary>
    /// Score (and the uncalibrated score, when asked for) and the key from <see cref="Logits"/>; for a row whose features
    /// are not all finite, NaN in every output and a missing key, as the saved graph gives.
    /// </summary>
    protected void FinishFromLogits(bool featuresFinite)
    {
        if (!featuresFinite)
        {
            Logits.AsSpan().Fill(float.NaN);
            Embedding.AsSpan().Fill(float.NaN);
        }
        ScoreMath.Softmax(Logits, _inverseTemperature, Score);
        if (_needsUncalibrated)
            ScoreMath.Softmax(Logits, 1f, Uncalibrated);
        Key = ScoreMath.PredictedKey(Score);
    }

    private ValueGetter<VBuffer<float>> Vector(Func<float[]> values) => (ref VBuffer<float> dst) =>
    {
        Ensure();
        var source = values();
        var editor = VBufferEditor.Create(ref dst, source.Length);
        source.CopyTo(editor.Values);
        dst = editor.Commit();
    };
}

/// <summary>
/// Scores the rows of one row source (a cursor, or a <see cref="PredictionEngine{TSrc, TDst}"/> row) one at a time, when
/// a getter first asks for the current row: the managed head when there is one, else one ONNX Runtime call. Allocates
/// nothing per row on the managed path.
/// </summary>
internal sealed class RowScorer : ScoredRow
{
    private readonly DataViewRow _row;
    private readonly ValueGetter<VBuffer<float>> _features;
    private readonly float[] _featureValues;
    private readonly float[] _scratch;
    private VBuffer<float> _featureBuffer;
    private long _position = -1;

    public RowScorer(FastClassifier classifier, DataViewRow row, DataViewSchema.Column features, (int Index, OutputRole Role)[] roles, bool[] active)
        : base(classifier, roles, active)
    {
        _row = row;
        _features = row.GetGetter<VBuffer<float>>(row.Schema[features.Index]);
        _featureValues = new float[classifier.Spec.FeatureCount];
        _scratch = classifier.Head is { } head ? new float[2 * head.WidestLayer] : [];
    }

    private float[] Densify()
    {
        _featureBuffer.CopyTo(_featureValues);
        return _featureValues;
    }

    protected override void Ensure()
    {
        if (_row.Position == _position)
            return;
        // A disposed model stops on every path, the managed one too (one volatile read a row).
        Classifier.ThrowIfDisposed();
        _features(ref _featureBuffer);
        ScoreMath.CheckLength(_featureBuffer.Length, _featureValues.Length, _row.Position, Classifier.Spec.FeatureColumnName);
        // A dense row is read where it is; only a sparse one is spread out first.
        ReadOnlySpan<float> features = _featureBuffer.IsDense ? _featureBuffer.GetValues() : Densify();
        bool finite;
        if (Classifier.Head is { } head)
        {
            finite = head.Forward(features, Logits, EmbeddingTarget, _scratch) || ScoreMath.AllFinite(features);
        }
        else
        {
            // A trunk (a CNN backbone, milliseconds a row) is scored by ONNX Runtime, one row per call.
            using var block = Classifier.Session.CreateBlock(1);
            features.CopyTo(block.Features);
            block.Run(1);
            block.Logits.CopyTo(Logits, 0);
            block.Embedding.CopyTo(Embedding.AsSpan());
            finite = ScoreMath.AllFinite(features);
        }
        FinishFromLogits(finite);
        _position = _row.Position;
    }
}

using MLNet.SoftTargets.Engine;

namespace MLNet.SoftTargets.Tests.TestSupport;

/// <summary>Training examples over arrays, for engine tests without ML.NET: every row present, in order.</summary>
internal sealed class ArrayExampleSource(float[][] features, float[][] targets, float[]? weights = null) : IExampleSource
{
    private readonly float[][] _features = features;
    private readonly float[][] _targets = targets;
    private readonly float[]? _weights = weights;

    public int FeatureCount => _features[0].Length;

    public int ClassCount => _targets[0].Length;

    public bool CanShuffle => false;

    public string Description => "The arrays";

    public IExamplePass Open(Random? shuffle) => new Pass(this);

    private sealed class Pass(ArrayExampleSource source) : IExamplePass
    {
        private int _next;

        public long SkippedRows => 0;

        public bool TryRead(Span<float> x, Span<float> q, out float w)
        {
            w = 0;
            if (_next >= source.RowCount)
                return false;
            source._features[_next].CopyTo(x);
            source._targets[_next].CopyTo(q);
            w = source._weights?[_next] ?? 1f;
            _next++;
            return true;
        }

        public void Dispose()
        {
        }
    }

    private int RowCount => _features.Length;
}

namespace MLNet.SoftTargets.Engine;

/// <summary>
/// Where training (or validation) examples come from, as plain buffers: the engine asks for a pass and reads examples
/// into its own spans. The trainer implements it over an ML.NET data view; tests implement it over arrays.
/// </summary>
internal interface IExampleSource
{
    /// <summary>D, values per example's features.</summary>
    int FeatureCount { get; }

    /// <summary>K, values per example's target.</summary>
    int ClassCount { get; }

    /// <summary>Whether <see cref="Open"/> can read the examples in a random order.</summary>
    bool CanShuffle { get; }

    /// <summary>Names the data in messages, e.g. "the validation data (label column 'Label')".</summary>
    string Description { get; }

    /// <summary>Starts a pass over the examples, in a random order drawn from <paramref name="shuffle"/> when given (and <see cref="CanShuffle"/>).</summary>
    IExamplePass Open(Random? shuffle);
}

/// <summary>One pass over the examples of an <see cref="IExampleSource"/>.</summary>
internal interface IExamplePass : IDisposable
{
    /// <summary>
    /// Reads the next present example: features into <paramref name="features"/> (D values), its target distribution
    /// into <paramref name="target"/> (K values) and its weight. Missing examples are skipped and counted in
    /// <see cref="SkippedRows"/>. Returns false at the end of the data.
    /// </summary>
    /// <exception cref="InvalidOperationException">Bad data; the message names the column and row.</exception>
    bool TryRead(Span<float> features, Span<float> target, out float weight);

    /// <summary>Missing examples skipped so far in this pass.</summary>
    long SkippedRows { get; }
}

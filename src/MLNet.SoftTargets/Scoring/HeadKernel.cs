using System.Numerics.Tensors;
using MLNet.SoftTargets.Graphs.Blocks;

namespace MLNet.SoftTargets.Scoring;

/// <summary>
/// The weights of a trained head laid out for managed scoring of one row at a time: each layer's weight transposed to
/// [out, in], so every output is one contiguous dot product (<see cref="TensorPrimitives.Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/>,
/// vectorised); a cosine layer's class templates pre-normalised. Immutable: one instance serves every thread.
/// </summary>
/// <remarks>
/// An ONNX Runtime call costs several microseconds of fixed overhead, which is more than a small head's arithmetic
/// (a linear head on 300 features and 7 classes is 2,100 multiply-adds), so small heads are scored here and large ones
/// in blocks through ONNX Runtime (see <see cref="FastClassifier"/>).
/// </remarks>
internal sealed class HeadWeights
{
    private const float NormEpsilon = 1e-12f;
    private readonly Layer[] _layers;

    /// <exception cref="ArgumentException">A parameter of <paramref name="head"/> is missing from <paramref name="parameters"/> or has another size.</exception>
    public HeadWeights(ClassifierHead head, IReadOnlyDictionary<string, float[]> parameters)
    {
        new ClassifierNetwork(head).CheckValues(parameters, nameof(parameters));
        InputSize = head.InputSize;
        ClassCount = head.ClassCount;
        EmbeddingSize = head.EmbeddingSize;
        CosineScale = head.CosineScale is { } s ? (float)s : null;
        var shapes = head.Parameters;
        var layers = new List<Layer>();
        for (int p = 0; p < shapes.Count; p++)
        {
            var weight = shapes[p];
            int fanIn = (int)weight.Shape[0], width = (int)weight.Shape[1];
            bool hasBias = p + 1 < shapes.Count && shapes[p + 1].Shape.Length == 1;
            float[]? bias = hasBias ? parameters[shapes[++p].Name] : null;
            layers.Add(new Layer(Transpose(parameters[weight.Name], fanIn, width), bias, fanIn, width));
        }
        _layers = [.. layers];
        if (CosineScale is not null)
            NormaliseRows(_layers[^1]);
        MultiplyAdds = _layers.Sum(l => (long)l.In * l.Out);
        WidestLayer = _layers.Max(l => l.Out);
    }

    public int InputSize { get; }

    public int ClassCount { get; }

    public int EmbeddingSize { get; }

    /// <summary>The fixed scale of a cosine last layer, or null.</summary>
    public float? CosineScale { get; }

    /// <summary>Multiply-adds per row: what decides between this kernel and ONNX Runtime.</summary>
    public long MultiplyAdds { get; }

    /// <summary>Widest layer output, for scratch buffers.</summary>
    public int WidestLayer { get; }

    /// <summary>
    /// The logits of one row, and its penultimate features into <paramref name="embedding"/> (E values, or empty when
    /// they are not wanted). <paramref name="scratch"/> holds at least 2 × <see cref="WidestLayer"/> floats.
    /// </summary>
    /// <returns>
    /// True when the first layer's outputs are all finite, which proves every feature finite: a NaN or infinite feature
    /// makes every dot product with it NaN or infinite, whatever the weight (0·∞ is NaN). False says only "check the
    /// features" (a huge finite row can overflow too).
    /// </returns>
    public bool Forward(ReadOnlySpan<float> features, Span<float> logits, Span<float> embedding, Span<float> scratch)
    {
        var a = scratch[..WidestLayer];
        var b = scratch.Slice(WidestLayer, WidestLayer);
        ReadOnlySpan<float> h = features;
        bool finite = true;
        for (int l = 0; l < _layers.Length - 1; l++)
        {
            var output = (l % 2 == 0 ? a : b)[.._layers[l].Out];
            Dense(_layers[l], h, output);
            if (l == 0)
                finite = AllFinite(output);
            TensorPrimitives.Max(output, 0f, output);
            h = output;
        }
        if (!embedding.IsEmpty)
            h.CopyTo(embedding);
        var last = _layers[^1];
        Dense(last, h, logits);
        if (_layers.Length == 1)
            finite = AllFinite(logits);
        if (CosineScale is { } scale)
        {
            // s · (h/‖h‖)·(w/‖w‖): the templates are already unit columns; ε inside the square root as in the graph.
            TensorPrimitives.Multiply(logits, scale / MathF.Sqrt(TensorPrimitives.Dot(h, h) + NormEpsilon), logits);
        }
        return finite;
    }

    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        foreach (var v in values)
        {
            if (!float.IsFinite(v))
                return false;
        }
        return true;
    }

    private static void Dense(Layer layer, ReadOnlySpan<float> x, Span<float> y)
    {
        var weights = layer.Weights.AsSpan();
        for (int j = 0; j < layer.Out; j++)
            y[j] = TensorPrimitives.Dot(x, weights.Slice(j * layer.In, layer.In));
        if (layer.Bias is { } bias)
            TensorPrimitives.Add(y, bias, y);
    }

    private static float[] Transpose(float[] weight, int fanIn, int width)
    {
        var transposed = new float[weight.Length];
        for (int i = 0; i < fanIn; i++)
        {
            for (int j = 0; j < width; j++)
                transposed[j * fanIn + i] = weight[i * width + j];
        }
        return transposed;
    }

    private static void NormaliseRows(Layer layer)
    {
        for (int j = 0; j < layer.Out; j++)
        {
            var row = layer.Weights.AsSpan(j * layer.In, layer.In);
            TensorPrimitives.Divide(row, MathF.Sqrt(TensorPrimitives.Dot(row, row) + NormEpsilon), row);
        }
    }

    private sealed record Layer(float[] Weights, float[]? Bias, int In, int Out);
}

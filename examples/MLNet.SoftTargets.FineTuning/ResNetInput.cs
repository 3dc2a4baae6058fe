using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using MLNet.SoftTargets.Datasets;
using Onnx;

namespace MLNet.SoftTargets.FineTuning;

/// <summary>
/// Turns a 28×28 grey Fashion-MNIST image into ResNet18.onnx's raw input, one row at a time: bilinear upsampling to
/// 224×224 (half-pixel centres, edges clamped), the grey value ×255 in all three channels, then what the package's
/// ResNetPreprocess.onnx does — swap RGB to BGR (a no-op for grey) and subtract its 3×224×224 ImageNet mean image
/// (per pixel, per channel; no division by a standard deviation).
/// </summary>
public sealed class ResNetInput
{
    public const int Side = 224;
    public const int Channels = 3;
    public const int Size = Channels * Side * Side;
    private const int Plane = Side * Side;
    private readonly float[] _mean;
    private readonly int[] _low = new int[Side], _high = new int[Side];
    private readonly float[] _weight = new float[Side];

    public ResNetInput(string preprocessModelPath)
    {
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(preprocessModelPath));
        var mean = model.Graph.Initializer.FirstOrDefault(t => t.Name == "MeanImage")
            ?? throw new InvalidDataException($"{preprocessModelPath} has no MeanImage initializer.");
        _mean = mean.FloatData.Count > 0 ? mean.FloatData.ToArray() : System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(mean.RawData.Span).ToArray();
        if (_mean.Length != Size)
            throw new InvalidDataException($"{preprocessModelPath}: MeanImage has {_mean.Length} values, expected {Size}.");
        // Source coordinate of output pixel o: (o + 0.5) / 8 − 0.5, between source pixels _low and _high.
        double scale = (double)FashionMnist.Width / Side;
        for (int o = 0; o < Side; o++)
        {
            double s = Math.Clamp((o + 0.5) * scale - 0.5, 0, FashionMnist.Width - 1);
            _low[o] = (int)Math.Floor(s);
            _high[o] = Math.Min(_low[o] + 1, FashionMnist.Width - 1);
            _weight[o] = (float)(s - _low[o]);
        }
    }

    /// <summary>Per-channel averages of the mean image (B, G, R), for the report.</summary>
    public double[] ChannelMeans => Enumerable.Range(0, Channels).Select(c => _mean.AsSpan(c * Plane, Plane).ToArray().Average(v => (double)v)).ToArray();

    /// <summary>The grey image (pixels in [0, 1]) upsampled to 224×224 and scaled to 0–255.</summary>
    public float[] Upsample(ReadOnlySpan<float> image)
    {
        var grey = new float[Plane];
        Upsample(image, grey);
        return grey;
    }

    /// <summary><see cref="Upsample(ReadOnlySpan{float})"/> into <paramref name="grey"/> (224 × 224 values).</summary>
    public void Upsample(ReadOnlySpan<float> image, Span<float> grey)
    {
        for (int y = 0; y < Side; y++)
        {
            int y0 = _low[y] * FashionMnist.Width, y1 = _high[y] * FashionMnist.Width;
            float wy = _weight[y];
            for (int x = 0; x < Side; x++)
            {
                int x0 = _low[x], x1 = _high[x];
                float wx = _weight[x];
                float top = image[y0 + x0] + wx * (image[y0 + x1] - image[y0 + x0]);
                float bottom = image[y1 + x0] + wx * (image[y1 + x1] - image[y1 + x0]);
                grey[y * Side + x] = 255f * (top + wy * (bottom - top));
            }
        }
    }

    /// <summary>ResNet18.onnx's input for one image: 3×224×224, BGR, 0–255 minus the mean image.</summary>
    public float[] Preprocess(ReadOnlySpan<float> image)
    {
        var row = new float[Size];
        Preprocess(image, row, new float[Plane]);
        return row;
    }

    /// <summary><see cref="Preprocess(ReadOnlySpan{float})"/> into <paramref name="row"/>, with <paramref name="grey"/> as scratch.</summary>
    public void Preprocess(ReadOnlySpan<float> image, Span<float> row, Span<float> grey)
    {
        Upsample(image, grey);
        for (int c = 0; c < Channels; c++)
        {
            var mean = _mean.AsSpan(c * Plane, Plane);
            var target = row.Slice(c * Plane, Plane);
            for (int i = 0; i < Plane; i++)
                target[i] = grey[i] - mean[i];
        }
    }

    /// <summary>
    /// Runs ResNetPreprocess.onnx on one upsampled image (as RGB, 0–255) and returns the largest difference from
    /// <see cref="Preprocess"/>: the check that this class computes what the package's own preprocessing does.
    /// </summary>
    public static double MaxDifferenceFromOnnx(ResNetInput input, string preprocessModelPath, ReadOnlySpan<float> image)
    {
        var grey = input.Upsample(image);
        var rgb = new float[Size];
        for (int c = 0; c < Channels; c++)
            grey.CopyTo(rgb.AsSpan(c * Plane, Plane));
        using var options = new SessionOptions();
        using var session = new InferenceSession(preprocessModelPath, options);
        using var x = OrtValue.CreateTensorValueFromMemory(rgb, [1, Channels, Side, Side]);
        using var runOptions = new RunOptions();
        using var y = session.Run(runOptions, [session.InputNames[0]], [x], [session.OutputNames[0]]);
        var expected = y[0].GetTensorDataAsSpan<float>();
        var actual = input.Preprocess(image);
        double max = 0;
        for (int i = 0; i < Size; i++)
            max = Math.Max(max, Math.Abs(expected[i] - actual[i]));
        return max;
    }

    /// <summary>
    /// A data view of <paramref name="set"/> whose <c>Features</c> rows (150,528 floats) are made on demand from the
    /// 28×28 images every time a cursor reaches them — nothing of size 224×224 is kept; <c>Label</c> is a key of 10.
    /// Each cursor's enumeration fills one row object and one 600 KB buffer again and again (ML.NET copies the values
    /// out when a getter reads them): a new array per row would churn the large-object heap by gigabytes.
    /// </summary>
    public IDataView View(MLContext ml, ImageSet set)
    {
        var definition = SchemaDefinition.Create(typeof(RawImageRow));
        definition[nameof(RawImageRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, Size);
        definition[nameof(RawImageRow.Label)].ColumnType = new KeyDataViewType(typeof(uint), FashionMnist.ClassCount);
        // LoadFromEnumerable reads a key-typed uint property as 0-based: 0 is the first class.
        return ml.Data.LoadFromEnumerable(new ReusedRows(this, set), definition);
    }

    /// <summary>The rows of a set, each enumeration with its own reused row and buffers.</summary>
    private sealed class ReusedRows(ResNetInput input, ImageSet set) : IEnumerable<RawImageRow>
    {
        public IEnumerator<RawImageRow> GetEnumerator()
        {
            var row = new RawImageRow { Features = new float[Size] };
            var grey = new float[Plane];
            for (int i = 0; i < set.Rows; i++)
            {
                input.Preprocess(set.Pixels.AsSpan(i * set.PixelCount, set.PixelCount), row.Features, grey);
                row.Label = set.Labels[i];
                yield return row;
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    public sealed class RawImageRow
    {
        public float[] Features { get; set; } = [];

        public uint Label { get; set; }
    }
}

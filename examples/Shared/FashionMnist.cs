using System.Buffers.Binary;
using System.IO.Compression;

namespace MLNet.SoftTargets.Datasets;

/// <summary>Images and labels of one IDX file pair: pixels row-major <c>[Rows, PixelCount]</c> scaled to [0, 1], labels 0..9.</summary>
public sealed class ImageSet
{
    public ImageSet(float[] pixels, byte[] labels, int pixelCount)
    {
        if (pixelCount < 1 || pixels.Length != labels.Length * pixelCount)
            throw new ArgumentException($"{pixels.Length} pixel values do not make {labels.Length} images of {pixelCount} pixels.");
        Pixels = pixels;
        Labels = labels;
        PixelCount = pixelCount;
    }

    /// <summary>Row-major pixels, each in [0, 1].</summary>
    public float[] Pixels { get; }

    /// <summary>The class of each image, 0..9.</summary>
    public byte[] Labels { get; }

    /// <summary>Pixels per image (784 for 28×28).</summary>
    public int PixelCount { get; }

    public int Rows => Labels.Length;

    /// <summary>The pixels of one image (a copy).</summary>
    public float[] Image(int row) => Pixels.AsSpan(row * PixelCount, PixelCount).ToArray();

    /// <summary>Rows <paramref name="start"/> .. <paramref name="start"/> + <paramref name="count"/> − 1 as a new set.</summary>
    public ImageSet Slice(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (start + count > Rows)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"rows {start}..{start + count - 1} are past the {Rows} rows of the set");
        return new ImageSet(Pixels.AsSpan(start * PixelCount, count * PixelCount).ToArray(), Labels.AsSpan(start, count).ToArray(), PixelCount);
    }
}

/// <summary>
/// Reads Fashion-MNIST (Xiao, Rasul &amp; Vollgraf 2017; 60,000 train + 10,000 test images of 28×28 grey pixels, 10
/// classes of clothing) from its four gzip-compressed IDX files, as Debian's <c>dataset-fashion-mnist</c> package
/// installs them in <see cref="DefaultDirectory"/>. Pixels are divided by 255. Every error names the file.
/// </summary>
public static class FashionMnist
{
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";
    public const int Height = 28;
    public const int Width = 28;
    public const int PixelCount = Height * Width;
    public const int ClassCount = 10;
    public const string TrainImagesFile = "train-images-idx3-ubyte.gz";
    public const string TrainLabelsFile = "train-labels-idx1-ubyte.gz";
    public const string TestImagesFile = "t10k-images-idx3-ubyte.gz";
    public const string TestLabelsFile = "t10k-labels-idx1-ubyte.gz";

    /// <summary>The class names in label order 0..9.</summary>
    public static string[] ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>The four files' names, train images first.</summary>
    public static IReadOnlyList<string> FileNames { get; } = [TrainImagesFile, TrainLabelsFile, TestImagesFile, TestLabelsFile];

    /// <summary>
    /// <see cref="DefaultDirectory"/> when all four files are there (<c>apt-get install dataset-fashion-mnist</c>), else null.
    /// </summary>
    public static string? TryFindDefault() => HasFiles(DefaultDirectory) ? DefaultDirectory : null;

    /// <summary>True when <paramref name="directory"/> holds all four files.</summary>
    public static bool HasFiles(string directory) => FileNames.All(f => File.Exists(Path.Combine(directory, f)));

    /// <summary>Reads the 60,000 training and 10,000 test images from <paramref name="directory"/>.</summary>
    /// <exception cref="FileNotFoundException">A file is missing (the message names it).</exception>
    /// <exception cref="InvalidDataException">A file is not a valid IDX file of this shape (the message names it).</exception>
    public static (ImageSet Train, ImageSet Test) Load(string directory)
    {
        var train = Read(Path.Combine(directory, TrainImagesFile), Path.Combine(directory, TrainLabelsFile));
        var test = Read(Path.Combine(directory, TestImagesFile), Path.Combine(directory, TestLabelsFile));
        return (train, test);
    }

    /// <summary>Reads one images file and its labels file; both must hold the same number of rows.</summary>
    /// <exception cref="FileNotFoundException">A file is missing (the message names it).</exception>
    /// <exception cref="InvalidDataException">A file is malformed, or the counts differ (the message names the files).</exception>
    public static ImageSet Read(string imagesPath, string labelsPath)
    {
        var pixels = ReadImages(imagesPath, out int imageCount);
        var labels = ReadLabels(labelsPath);
        if (labels.Length != imageCount)
            throw new InvalidDataException($"{imagesPath} holds {imageCount} images but {labelsPath} holds {labels.Length} labels.");
        return new ImageSet(pixels, labels, PixelCount);
    }

    /// <summary>IDX3: magic 0x00000803, then big-endian count, rows, columns, then one byte per pixel.</summary>
    private static float[] ReadImages(string path, out int count)
    {
        using var stream = OpenGzip(path);
        var header = new byte[16];
        ReadExactly(stream, header, path, "the 16-byte header");
        int magic = BinaryPrimitives.ReadInt32BigEndian(header);
        if (magic != 0x00000803)
            throw new InvalidDataException($"{path}: magic number 0x{magic:X8}, expected 0x00000803 (an IDX3 image file).");
        count = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4));
        int height = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(8));
        int width = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(12));
        if (height != Height || width != Width)
            throw new InvalidDataException($"{path}: images are {height}×{width}, expected {Height}×{Width}.");
        if (count < 1 || count > 1_000_000)
            throw new InvalidDataException($"{path}: image count {count} is not plausible.");

        var raw = new byte[count * PixelCount];
        ReadExactly(stream, raw, path, $"{count} images of {PixelCount} bytes");
        var pixels = new float[raw.Length];
        for (int i = 0; i < raw.Length; i++)
            pixels[i] = raw[i] / 255f;
        return pixels;
    }

    /// <summary>IDX1: magic 0x00000801, then big-endian count, then one byte per label.</summary>
    private static byte[] ReadLabels(string path)
    {
        using var stream = OpenGzip(path);
        var header = new byte[8];
        ReadExactly(stream, header, path, "the 8-byte header");
        int magic = BinaryPrimitives.ReadInt32BigEndian(header);
        if (magic != 0x00000801)
            throw new InvalidDataException($"{path}: magic number 0x{magic:X8}, expected 0x00000801 (an IDX1 label file).");
        int count = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4));
        if (count < 1 || count > 1_000_000)
            throw new InvalidDataException($"{path}: label count {count} is not plausible.");
        var labels = new byte[count];
        ReadExactly(stream, labels, path, $"{count} labels");
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] >= ClassCount)
                throw new InvalidDataException($"{path}: label {labels[i]} at row {i} is not in 0..{ClassCount - 1}.");
        }
        return labels;
    }

    private static GZipStream OpenGzip(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path} not found (apt-get install dataset-fashion-mnist, or point --data at a folder with the four IDX .gz files).", path);
        return new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
    }

    private static void ReadExactly(Stream stream, byte[] buffer, string path, string what)
    {
        try
        {
            stream.ReadExactly(buffer);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"{path}: the file ends before {what}.");
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: not a valid gzip file ({e.Message}).", e);
        }
    }
}

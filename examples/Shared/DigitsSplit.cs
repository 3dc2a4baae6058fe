namespace MLNet.SoftTargets.Datasets;

/// <summary>The embedded UCI digits as image sets: shuffled with a seed and split 60 % train / 20 % held out / 20 % test.</summary>
public static class DigitsSplit
{
    /// <summary>
    /// Shuffles the 1,797 embedded rows with <paramref name="seed"/> and splits them 60 / 20 / 20 (held out and test get
    /// a fifth each); pixels are scaled from 0..16 to [0, 1], labels are the class indices 0..9.
    /// </summary>
    /// <exception cref="InvalidDataException">The embedded resource is missing or malformed.</exception>
    public static (ImageSet Train, ImageSet HeldOut, ImageSet Test, int Rows) Load(int seed = 42)
    {
        var rows = DigitsDataset.LoadEmbedded();
        var order = Enumerable.Range(0, rows.Count).ToArray();
        new Random(seed).Shuffle(order);
        int heldOutRows = rows.Count / 5, testRows = rows.Count / 5, trainRows = rows.Count - heldOutRows - testRows;
        ImageSet Take(int start, int count)
        {
            var pixels = new float[count * DigitsDataset.PixelCount];
            var labels = new byte[count];
            for (int i = 0; i < count; i++)
            {
                var row = rows[order[start + i]];
                for (int j = 0; j < DigitsDataset.PixelCount; j++)
                    pixels[i * DigitsDataset.PixelCount + j] = row.Features[j] / 16f;
                labels[i] = (byte)Array.IndexOf(DigitsDataset.ClassNames, row.Digit);
            }
            return new ImageSet(pixels, labels, DigitsDataset.PixelCount);
        }
        return (Take(0, trainRows), Take(trainRows, heldOutRows), Take(trainRows + heldOutRows, testRows), rows.Count);
    }
}

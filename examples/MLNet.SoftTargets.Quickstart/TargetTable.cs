using System.Globalization;

namespace MLNet.SoftTargets.Quickstart;

/// <summary>
/// Prints soft targets as a fixed-width table, one column per class, so the rows line up and the
/// mass moved between classes is easy to compare by eye.
/// </summary>
internal sealed class TargetTable(string[] classNames)
{
    private const int RowWidth = 10;     // "row  label"
    private const int TitleWidth = 26;
    private const int ValueWidth = 6;    // "0.000" plus a space

    public void WriteHeader()
    {
        string classes = string.Concat(classNames.Select(n => n.PadLeft(ValueWidth)));
        Console.WriteLine($"{"row  label",-RowWidth}  {"target",-TitleWidth}{classes}");
        WriteRule();
    }

    public void WriteRule() =>
        Console.WriteLine(new string('-', RowWidth + 2 + TitleWidth + ValueWidth * classNames.Length));

    public void WriteRow(string row, string title, IReadOnlyList<float> values)
    {
        // Invariant culture so the decimal separator does not change with the machine's locale.
        string cells = string.Concat(values.Select(v => v.ToString("0.000", CultureInfo.InvariantCulture).PadLeft(ValueWidth)));
        Console.WriteLine($"{row,-RowWidth}  {title,-TitleWidth}{cells}");
    }
}

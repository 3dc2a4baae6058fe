using System.Globalization;

namespace MLNet.SoftTargets.Examples;

/// <summary>
/// Reads option values for the example apps' small command-line parsers: each method consumes the value after
/// <c>args[i]</c> (advancing <c>i</c>) and, when it is missing or malformed, returns false with a message that names
/// the option, the value and what is allowed.
/// </summary>
internal static class ArgumentReader
{
    /// <summary>The value after option <c>args[i]</c>; a missing value, an empty one or the next option is an error.</summary>
    public static bool TryValue(string[] args, ref int i, out string value, out string error)
    {
        string name = args[i];
        if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal) || args[i + 1].Length == 0)
        {
            value = "";
            error = $"{name} needs a value.";
            return false;
        }
        value = args[++i];
        error = "";
        return true;
    }

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/> after option <c>args[i]</c>.</summary>
    public static bool TryInt(string[] args, ref int i, int min, int max, out int value, out string error)
    {
        value = 0;
        string name = args[i];
        if (!TryValue(args, ref i, out string text, out error))
            return false;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) || value < min || value > max)
        {
            error = $"{name}: '{text}' is not a whole number from {min} to {max}.";
            return false;
        }
        return true;
    }

    /// <summary>A number (invariant culture) after option <c>args[i]</c>.</summary>
    public static bool TryDouble(string[] args, ref int i, out double value, out string error)
    {
        value = 0;
        string name = args[i];
        if (!TryValue(args, ref i, out string text, out error))
            return false;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
        {
            error = $"{name}: '{text}' is not a number.";
            return false;
        }
        return true;
    }
}

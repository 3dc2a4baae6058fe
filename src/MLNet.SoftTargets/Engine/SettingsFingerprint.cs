using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace MLNet.SoftTargets.Engine;

/// <summary>
/// The canonical text of a settings record: every public property, recursively, as <c>path=value</c> in declaration
/// order. Numbers are written round-trip in the invariant culture, lists element by element, byte arrays (model
/// bytes) as their SHA-256. A property of a type it does not know throws, so a new kind of setting cannot be left out
/// silently.
/// </summary>
internal static class SettingsFingerprint
{
    public static string Of(object settings)
    {
        var text = new StringBuilder();
        Append(text, settings.GetType().Name, settings);
        return text.ToString();
    }

    private static void Append(StringBuilder text, string path, object? value)
    {
        switch (value)
        {
            case null:
                Leaf(text, path, "null");
                return;
            case string s:
                Leaf(text, path, "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"");
                return;
            case bool or int or long or Enum:
                Leaf(text, path, Convert.ToString(value, CultureInfo.InvariantCulture)!);
                return;
            case double d:
                Leaf(text, path, d.ToString("R", CultureInfo.InvariantCulture));
                return;
            case byte[] bytes:
                Leaf(text, path, "sha256:" + Convert.ToHexString(SHA256.HashData(bytes)));
                return;
            case TrainingDevice or CancellationToken or Delegate:
                throw new NotSupportedException($"Setting '{path}' does not change the arithmetic; it belongs in RunSettings.");
            case IEnumerable list:
                int i = 0;
                foreach (var item in list)
                    Append(text, $"{path}[{i++}]", item);
                Leaf(text, path + ".Count", i.ToString(CultureInfo.InvariantCulture));
                return;
        }
        var type = value.GetType();
        if (!type.IsClass || type.Namespace?.StartsWith("MLNet.SoftTargets", StringComparison.Ordinal) != true)
            throw new NotSupportedException($"Setting '{path}' has type {type}, which has no fingerprint form.");
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).OrderBy(p => p.MetadataToken))
        {
            if (property.Name == nameof(TrainingSettings.Fingerprint))
                continue;
            Append(text, $"{path}.{property.Name}", property.GetValue(value));
        }
    }

    private static void Leaf(StringBuilder text, string path, string value) => text.Append(path).Append('=').Append(value).Append(';');
}

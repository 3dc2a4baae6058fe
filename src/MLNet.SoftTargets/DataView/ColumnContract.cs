using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets;

/// <summary>
/// The one place that checks the columns our components read, with one message format:
/// <c>Column 'Name' (argument) in the {data} has type T; expected {contract}.</c> The contracts are named the same way
/// everywhere: "a key label (Key&lt;UInt32, K&gt;, e.g. from MapValueToKey)", "a float vector of size D
/// (Vector&lt;Single, D&gt;)", "a Single". Every failure is an <see cref="ArgumentOutOfRangeException"/> whose parameter
/// is the argument and whose actual value is the column name.
/// </summary>
internal static class ColumnContract
{
    public const string KeyLabel = "a key label (Key<UInt32, K>, e.g. from MapValueToKey)";
    public const string FloatVector = "a known-size float vector (Vector<Single, D>)";
    public const string KeyOrProbabilityVector = "a key label (Key<UInt32, K>, e.g. from MapValueToKey) or a known-size float vector (Vector<Single, K>) with K >= 2";

    /// <summary>The column <paramref name="name"/> of <paramref name="schema"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">It is missing; the message lists the columns there are.</exception>
    public static DataViewSchema.Column Find(DataViewSchema schema, string name, string argument, string data, string? hint = null) =>
        schema.GetColumnOrNull(name) ?? throw new ArgumentOutOfRangeException(argument, name,
            $"Column '{name}' ({argument}) was not found in the {data}; available columns: {string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => c.Name))}.{(hint is null ? "" : " " + hint)}");

    /// <summary>A key label column of at least two classes; returns it and K.</summary>
    public static (DataViewSchema.Column Column, int ClassCount) RequireKeyLabel(DataViewSchema schema, string name, string argument, string data)
    {
        var column = Find(schema, name, argument, data);
        if (column.Type is not KeyDataViewType { RawType: var raw } key || raw != typeof(uint))
            throw Mismatch(name, argument, data, $"{column.Type}", KeyLabel);
        return (column, ClassCount(name, argument, data, key.Count));
    }

    /// <summary>A known-size float vector; with <paramref name="size"/> its size must be that (<paramref name="sizeMeaning"/> says why).</summary>
    public static (DataViewSchema.Column Column, int Size) RequireFloatVector(DataViewSchema schema, string name, string argument, string data,
        int? size = null, string? sizeMeaning = null, string? hint = null)
    {
        var column = Find(schema, name, argument, data, hint);
        string expected = size is { } s ? $"a float vector of size {s} (Vector<Single, {s}>{(sizeMeaning is null ? "" : ": " + sizeMeaning)})" : FloatVector;
        if (column.Type is not VectorDataViewType { ItemType: var item, IsKnownSize: true } vector || item != NumberDataViewType.Single)
            throw Mismatch(name, argument, data, $"{column.Type}", expected);
        if (size is { } wanted && vector.Size != wanted)
            throw new ArgumentOutOfRangeException(argument, name, $"Column '{name}' ({argument}) in the {data} has {vector.Size} slots; expected {expected}.");
        return (column, vector.Size);
    }

    /// <summary>A <c>Single</c> scalar column.</summary>
    public static DataViewSchema.Column RequireSingle(DataViewSchema schema, string name, string argument, string data)
    {
        var column = Find(schema, name, argument, data);
        if (column.Type != NumberDataViewType.Single)
            throw Mismatch(name, argument, data, $"{column.Type}", "a Single (a float scalar)");
        return column;
    }

    /// <summary>The last column named <paramref name="name"/> of a schema shape (which knows kinds but not sizes).</summary>
    /// <exception cref="ArgumentOutOfRangeException">It is missing.</exception>
    public static SchemaShape.Column FindShape(SchemaShape schema, string name, string argument, string data = "input schema") =>
        schema.Where(c => c.Name == name).Select(c => (SchemaShape.Column?)c).LastOrDefault()
            ?? throw new ArgumentOutOfRangeException(argument, name,
                $"Column '{name}' ({argument}) was not found in the {data}; available columns: {string.Join(", ", schema.Select(c => c.Name))}.");

    /// <summary>The shape-level check of <see cref="RequireKeyLabel"/>.</summary>
    public static SchemaShape.Column RequireKeyLabelShape(SchemaShape schema, string name, string argument, string data = "input schema")
    {
        var column = FindShape(schema, name, argument, data);
        if (!column.IsKey || column.Kind != SchemaShape.Column.VectorKind.Scalar || column.ItemType != NumberDataViewType.UInt32)
            throw Mismatch(name, argument, data, Describe(column), KeyLabel);
        return column;
    }

    /// <summary>Checks K of a key or vector column: at least 2 and at most <see cref="int.MaxValue"/>.</summary>
    public static int ClassCount(string name, string argument, string data, ulong count) =>
        count is >= 2 and <= int.MaxValue ? (int)count
            : throw new ArgumentOutOfRangeException(argument, name, $"Column '{name}' ({argument}) in the {data} has {count} classes; at least 2 are needed (and at most {int.MaxValue}).");

    /// <summary>The message of a column of the wrong type.</summary>
    public static ArgumentOutOfRangeException Mismatch(string name, string argument, string data, string actual, string expected) =>
        new(argument, name, $"Column '{name}' ({argument}) in the {data} has type {actual}; expected {expected}.");

    /// <summary>A schema-shape column's kind in words, e.g. "vector of Single" or "scalar of key UInt32".</summary>
    public static string Describe(SchemaShape.Column column)
    {
        string kind = column.Kind switch
        {
            SchemaShape.Column.VectorKind.Scalar => "scalar",
            SchemaShape.Column.VectorKind.Vector => "vector",
            _ => "variable-size vector",
        };
        return $"{kind} of {(column.IsKey ? "key " : "")}{column.ItemType}";
    }
}

using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets;

/// <summary>
/// What a soft-target transform reads: a key column (<c>Key&lt;UInt32, K&gt;</c>, the class index) or a
/// known-size probability vector (<c>Vector&lt;Single, K&gt;</c>). Validates the column and carries K.
/// </summary>
internal sealed class SoftTargetInputColumn
{
    internal const string AllowedTypes = "a key column (Key<UInt32, K>, e.g. from MapValueToKey) or a known-size float vector (Vector<Single, K>) with K >= 2";

    private SoftTargetInputColumn(string name, bool isKey, int classCount, DataViewType type, DataViewSchema.Annotations annotations)
    {
        Name = name;
        IsKey = isKey;
        ClassCount = classCount;
        Type = type;
        Annotations = annotations;
    }

    public string Name { get; }

    /// <summary>True for a key (class index) column, false for a probability vector.</summary>
    public bool IsKey { get; }

    /// <summary>K, the number of classes.</summary>
    public int ClassCount { get; }

    public DataViewType Type { get; }

    /// <summary>The column's annotations (key values or slot names), kept to rebuild the built-in equivalent.</summary>
    public DataViewSchema.Annotations Annotations { get; }

    /// <summary>Finds and validates <paramref name="name"/> in <paramref name="schema"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The column is missing, of the wrong type, or has fewer than 2 classes.</exception>
    public static SoftTargetInputColumn FromSchema(DataViewSchema schema, string name, string paramName)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var column = schema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException(paramName, name,
                $"Input column '{name}' was not found in the data; available columns: {string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => c.Name))}.");
        switch (column.Type)
        {
            case KeyDataViewType key when key.RawType == typeof(uint):
                return new SoftTargetInputColumn(name, isKey: true, CheckClassCount(name, key.Count, paramName), key, column.Annotations);
            case VectorDataViewType vector when vector.ItemType == NumberDataViewType.Single && vector.IsKnownSize:
                return new SoftTargetInputColumn(name, isKey: false, CheckClassCount(name, (ulong)vector.Size, paramName), vector, column.Annotations);
            default:
                throw new ArgumentOutOfRangeException(paramName, name,
                    $"Input column '{name}' has type {column.Type}; expected {AllowedTypes}.");
        }
    }

    /// <summary>The same checks on a <see cref="SchemaShape"/> (which does not know K).</summary>
    /// <returns>True for a key column, false for a float vector.</returns>
    public static bool CheckShape(SchemaShape schema, string name, string paramName)
    {
        ArgumentNullException.ThrowIfNull(schema);
        if (schema.Where(c => c.Name == name).Select(c => (SchemaShape.Column?)c).LastOrDefault() is not { } column)
            throw new ArgumentOutOfRangeException(paramName, name, $"Input column '{name}' was not found in the input schema.");
        if (column.IsKey && column.Kind == SchemaShape.Column.VectorKind.Scalar && column.ItemType == NumberDataViewType.UInt32)
            return true;
        if (!column.IsKey && column.Kind == SchemaShape.Column.VectorKind.Vector && column.ItemType == NumberDataViewType.Single)
            return false;
        string kind = column.Kind switch
        {
            SchemaShape.Column.VectorKind.Scalar => "scalar",
            SchemaShape.Column.VectorKind.Vector => "vector",
            _ => "variable-size vector",
        };
        throw new ArgumentOutOfRangeException(paramName, name,
            $"Input column '{name}' is a {kind} of {(column.IsKey ? "key " : "")}{column.ItemType}; expected {AllowedTypes}.");
    }

    /// <summary>Checks that <paramref name="schema"/>'s column is compatible with the one this transform was fitted on.</summary>
    public void CheckCompatible(DataViewSchema schema, string paramName)
    {
        var other = FromSchema(schema, Name, paramName);
        if (other.IsKey != IsKey || other.ClassCount != ClassCount)
            throw new ArgumentOutOfRangeException(paramName, Name,
                $"Input column '{Name}' has type {other.Type}, but the transform was fitted on {Type}.");
    }

    private static int CheckClassCount(string name, ulong count, string paramName)
    {
        if (count < 2 || count > int.MaxValue)
            throw new ArgumentOutOfRangeException(paramName, name,
                $"Input column '{name}' has {count} classes; soft targets need at least 2 (and at most {int.MaxValue}).");
        return (int)count;
    }
}

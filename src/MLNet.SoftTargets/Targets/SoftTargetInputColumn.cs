using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets;

/// <summary>
/// What a soft-target transform reads: a key column (<c>Key&lt;UInt32, K&gt;</c>, the class index) or a
/// known-size probability vector (<c>Vector&lt;Single, K&gt;</c>). Validates the column and carries K.
/// </summary>
internal sealed class SoftTargetInputColumn
{
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
        var column = ColumnContract.Find(schema, name, paramName, "data");
        return column.Type switch
        {
            KeyDataViewType key when key.RawType == typeof(uint) =>
                new SoftTargetInputColumn(name, isKey: true, ColumnContract.ClassCount(name, paramName, "data", key.Count), key, column.Annotations),
            VectorDataViewType vector when vector.ItemType == NumberDataViewType.Single && vector.IsKnownSize =>
                new SoftTargetInputColumn(name, isKey: false, ColumnContract.ClassCount(name, paramName, "data", (ulong)vector.Size), vector, column.Annotations),
            _ => throw ColumnContract.Mismatch(name, paramName, "data", $"{column.Type}", ColumnContract.KeyOrProbabilityVector),
        };
    }

    /// <summary>The same checks on a <see cref="SchemaShape"/> (which does not know K).</summary>
    /// <returns>True for a key column, false for a float vector.</returns>
    public static bool CheckShape(SchemaShape schema, string name, string paramName)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var column = ColumnContract.FindShape(schema, name, paramName);
        if (column.IsKey && column.Kind == SchemaShape.Column.VectorKind.Scalar && column.ItemType == NumberDataViewType.UInt32)
            return true;
        if (!column.IsKey && column.Kind == SchemaShape.Column.VectorKind.Vector && column.ItemType == NumberDataViewType.Single)
            return false;
        throw ColumnContract.Mismatch(name, paramName, "input schema", ColumnContract.Describe(column), ColumnContract.KeyOrProbabilityVector);
    }

    /// <summary>Checks that <paramref name="schema"/>'s column is compatible with the one this transform was fitted on.</summary>
    public void CheckCompatible(DataViewSchema schema, string paramName)
    {
        var other = FromSchema(schema, Name, paramName);
        if (other.IsKey != IsKey || other.ClassCount != ClassCount)
            throw new ArgumentOutOfRangeException(paramName, Name,
                $"Input column '{Name}' has type {other.Type}, but the transform was fitted on {Type}.");
    }
}

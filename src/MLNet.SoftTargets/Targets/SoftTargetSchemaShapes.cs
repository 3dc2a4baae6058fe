using Microsoft.ML;

namespace MLNet.SoftTargets;

/// <summary>Schema propagation for the soft-target estimators (<see cref="SchemaShape"/> level).</summary>
internal static class SoftTargetSchemaShapes
{
    private static readonly MLContext Context = new(seed: 0);

    /// <summary>
    /// The input shape plus <paramref name="outputColumnName"/> as a float vector, with slot names when the
    /// input key has key values or the input vector has slot names.
    /// </summary>
    /// <remarks>
    /// <see cref="SchemaShape.Column"/> has no public constructor, so the output column's shape is taken from
    /// the same built-in stages the transform saves as: a key becomes a vector by <c>MapKeyToVector</c>, and
    /// the final <c>Expression</c> stage keeps only the slot names.
    /// </remarks>
    public static SchemaShape AddSoftTarget(SchemaShape inputSchema, string inputColumnName, string outputColumnName)
    {
        bool isKey = SoftTargetInputColumn.CheckShape(inputSchema, inputColumnName, nameof(inputColumnName));
        var shape = inputSchema;
        string source = inputColumnName;
        if (isKey)
        {
            source = outputColumnName + ".softtarget.onehot";
            shape = Context.Transforms.Conversion.MapKeyToVector(source, inputColumnName).GetOutputSchema(shape);
        }
        shape = Context.Transforms.Expression(outputColumnName, "x => x", source).GetOutputSchema(shape);
        return isKey ? new SchemaShape(shape.Where(c => c.Name != source)) : shape;
    }
}

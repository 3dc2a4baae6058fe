namespace MLNet.SoftTargets.Graphs.Blocks;

/// <summary>A trainable tensor: its graph name, shape and initial values (row-major).</summary>
internal sealed record ParameterSpec(string Name, long[] Shape, float[] Initial)
{
    public int Length => Initial.Length;
}

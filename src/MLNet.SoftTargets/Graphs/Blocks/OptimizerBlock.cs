namespace MLNet.SoftTargets.Graphs.Blocks;

/// <summary>
/// An optimizer as graph nodes: from a parameter, its gradient and its state it computes the updated parameter
/// and state inside the training-step graph. The learning rate and the 1-based step count are graph inputs, so
/// schedules change them without rebuilding the graph. State tensors are named <c>{parameter}.{suffix}</c>.
/// </summary>
internal abstract class OptimizerBlock
{
    /// <summary>The state kept per parameter, e.g. <c>m</c> and <c>v</c> for Adam; each has the parameter's shape and starts at 0.</summary>
    public abstract IReadOnlyList<string> StateSuffixes { get; }

    /// <summary>Adds the step-wide scalars (e.g. bias corrections) once per graph.</summary>
    public virtual void Prepare(GraphBuilder g, string learningRate, string step)
    {
    }

    /// <summary>
    /// Adds the update of one parameter; returns the new parameter and the new state, in <see cref="StateSuffixes"/>
    /// order. <paramref name="learningRateScale"/> multiplies this parameter's learning rate (a constant; 1 adds no node).
    /// </summary>
    public abstract (string Parameter, string[] State) Update(GraphBuilder g, string parameter, string gradient, IReadOnlyList<string> state, string learningRate,
        double learningRateScale = 1);

    /// <summary><paramref name="value"/> × <paramref name="scale"/>, or <paramref name="value"/> itself when the scale is 1.</summary>
    protected static string Scaled(GraphBuilder g, string value, double scale) => scale == 1 ? value : g.Mul(value, g.Scalar(scale));
}

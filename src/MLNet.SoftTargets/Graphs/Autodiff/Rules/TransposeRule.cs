namespace MLNet.SoftTargets.Graphs.Autodiff.Rules;

/// <summary>Y = transpose(X, perm): dX = transpose(dY, perm⁻¹).</summary>
internal sealed class TransposeRule : IGradientRule
{
    public string OpType => "Transpose";

    public void Backward(GradientContext c)
    {
        int rank = c.Builder.Rank(c.Input(0));
        var perm = Attr.GetInts(c.Node, "perm") ?? Enumerable.Range(0, rank).Reverse().Select(i => (long)i).ToArray();
        var inverse = new long[rank];
        for (int i = 0; i < rank; i++)
            inverse[perm[i]] = i;
        c.AddGradient(0, c.Builder.Transpose(c.OutputGradient()!, inverse));
    }
}

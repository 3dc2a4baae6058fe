namespace MLNet.SoftTargets.Graphs.Autodiff.Rules;

/// <summary>
/// Y = max(X, 0): dX = dY where Y &gt; 0, else 0. Testing the output rather than the pre-activation keeps the
/// forward Gemm+Relu fusable by ONNX Runtime (a gradient that reads the pre-activation blocks the fusion; see
/// docs/ARCHITECTURE.md, "Facts the code relies on").
/// </summary>
internal sealed class ReluRule : IGradientRule
{
    public string OpType => "Relu";

    public void Backward(GradientContext c)
    {
        var g = c.Builder;
        var positive = g.Greater(c.Output(), g.Scalar(0.0));
        c.AddGradient(0, g.Where(positive, c.OutputGradient()!, g.Scalar(0.0)));
    }
}

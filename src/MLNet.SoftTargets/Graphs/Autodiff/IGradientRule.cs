namespace MLNet.SoftTargets.Graphs.Autodiff;

/// <summary>
/// The reverse-mode rule of one ONNX op: given the gradients of a node's outputs, emit (with standard ONNX ops
/// only) the gradients of its inputs. Adding an op is one class implementing this interface in <c>Rules/</c>;
/// <see cref="GradientRules"/> finds it.
/// </summary>
internal interface IGradientRule
{
    /// <summary>The ONNX op type this rule differentiates, e.g. <c>Gemm</c>.</summary>
    string OpType { get; }

    /// <summary>Adds the input gradients of <see cref="GradientContext.Node"/> through <see cref="GradientContext.AddGradient"/>.</summary>
    void Backward(GradientContext context);
}

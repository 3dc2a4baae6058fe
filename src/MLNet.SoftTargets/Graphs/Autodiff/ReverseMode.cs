using Onnx;

namespace MLNet.SoftTargets.Graphs.Autodiff;

/// <summary>
/// Reverse-mode differentiation of a scalar over the graph built so far: walks the nodes backwards (they are in
/// topological order), applies each op's <see cref="IGradientRule"/>, sums the contributions to each value, and
/// appends the gradient computation to the same graph, so forward values are reused, not recomputed.
/// </summary>
internal static class ReverseMode
{
    /// <summary>
    /// Adds <c>d loss / d w</c> for every <paramref name="wrt"/> (parameter) to the graph and returns their names,
    /// in the order of <paramref name="wrt"/>. Only nodes on a path from a parameter to the loss are differentiated.
    /// </summary>
    /// <exception cref="NotSupportedException">A node on such a path has an op without a gradient rule.</exception>
    public static string[] Gradients(GraphBuilder builder, string loss, IReadOnlyList<string> wrt)
    {
        var nodes = builder.Nodes.ToArray();
        var dependsOnParameters = new HashSet<string>(wrt);
        foreach (var node in nodes)
        {
            // Integer and bool outputs (Shape, Size, Greater, IsNaN...) are piecewise constant in the parameters: no
            // gradient flows through them, so what they feed (e.g. the Cast of a run-time size) needs no rule.
            if (node.Input.Any(dependsOnParameters.Contains))
                dependsOnParameters.UnionWith(node.Output.Where(o => IsFloatingPoint(builder.TypeOf(o))));
        }
        if (!dependsOnParameters.Contains(loss))
            throw new InvalidOperationException($"The loss '{loss}' does not depend on any of the parameters.");

        // Shortcuts (GraphBuilder.GradientShortcuts) whose input is differentiated: their bypassed values take no gradient.
        var shortcuts = builder.GradientShortcuts
            .Select(s => (Output: builder.Resolve(s.Output), Input: builder.Resolve(s.Input), Bypassed: builder.Resolve(s.Bypassed), s.InputGradient))
            .Where(s => dependsOnParameters.Contains(s.Input))
            .ToArray();
        var bypassed = shortcuts.Select(s => s.Bypassed).ToHashSet();
        bool NeedsGradient(string value) => dependsOnParameters.Contains(value) && !bypassed.Contains(value);

        var contributions = new Dictionary<string, List<string>>();
        void Add(string value, string gradient)
        {
            if (!contributions.TryGetValue(value, out var list))
                contributions[value] = list = [];
            list.Add(gradient);
        }
        string? Total(string value)
        {
            if (!contributions.TryGetValue(value, out var list))
                return null;
            if (list.Count > 1)
            {
                string sum = builder.Node("Sum", [.. list], builder.Shape(value));
                list.Clear();
                list.Add(sum);
            }
            return list[0];
        }

        Add(loss, builder.ExpandLike(builder.Scalar(1.0, "loss_seed"), loss));
        for (int n = nodes.Length - 1; n >= 0; n--)
        {
            var node = nodes[n];
            if (!node.Input.Any(dependsOnParameters.Contains))
                continue;
            var outputGradients = node.Output.Select(Total).ToArray();
            if (outputGradients.All(g => g is null))
                continue;
            var context = new GradientContext(builder, node, outputGradients, NeedsGradient, Add);
            GradientRules.For(node.OpType).Backward(context);
            foreach (var shortcut in shortcuts)
            {
                int output = node.Output.IndexOf(shortcut.Output);
                if (output >= 0 && outputGradients[output] is { } dy)
                    Add(shortcut.Input, shortcut.InputGradient(builder, dy));
            }
        }

        return wrt.Select(w => Total(w) ?? builder.Mul(w, builder.Scalar(0.0, "zero_grad"))).ToArray();
    }

    private static bool IsFloatingPoint(TensorProto.Types.DataType type) =>
        type is TensorProto.Types.DataType.Float or TensorProto.Types.DataType.Double
            or TensorProto.Types.DataType.Float16 or TensorProto.Types.DataType.Bfloat16;
}

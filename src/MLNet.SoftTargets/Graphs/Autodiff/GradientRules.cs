using System.Collections.Frozen;

namespace MLNet.SoftTargets.Graphs.Autodiff;

/// <summary>The registry of gradient rules: every non-abstract <see cref="IGradientRule"/> in this assembly.</summary>
internal static class GradientRules
{
    private static readonly FrozenDictionary<string, IGradientRule> Rules = typeof(IGradientRule).Assembly.GetTypes()
        .Where(t => typeof(IGradientRule).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
        .Select(t => (IGradientRule)Activator.CreateInstance(t)!)
        .ToFrozenDictionary(r => r.OpType);

    /// <summary>The op types that can be differentiated.</summary>
    public static IEnumerable<string> OpTypes => Rules.Keys;

    public static IGradientRule For(string opType) =>
        Rules.TryGetValue(opType, out var rule)
            ? rule
            : throw new NotSupportedException($"No gradient rule for the ONNX op '{opType}'; differentiable ops: {string.Join(", ", Rules.Keys.Order())}.");
}

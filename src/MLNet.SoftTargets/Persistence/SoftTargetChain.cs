using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets.Persistence;

/// <summary>
/// The stock ML.NET chain a soft-target transform (<c>SmoothLabels</c>, <c>SharpenLabels</c>, temperature scaling) saves
/// as: a presence flag for missing rows (<see cref="BuiltInChainBuilder.AddKeyPresenceFlag"/> or
/// <see cref="BuiltInChainBuilder.AddProbabilityRowFlag"/>), the one-hot of a key input, the mapping's own stages
/// (<see cref="SoftTargetMapping.AppendBuiltIns"/>) and a final <c>Expression</c> that adds the flag, so missing rows
/// become all-NaN and valid rows stay bit-for-bit what the mapping computed.
/// </summary>
internal static class SoftTargetChain
{
    public static TransformerChain<ITransformer> Build(SoftTargetInputColumn input, string outputColumnName, SoftTargetMapping mapping)
    {
        var chain = new BuiltInChainBuilder(input.Name, input.Type, input.Annotations, outputColumnName);
        string flag, source;
        if (input.IsKey)
        {
            flag = chain.AddKeyPresenceFlag(input.Name, input.ClassCount);
            source = chain.Intermediate("onehot");
            chain.Add(chain.Context.Transforms.Conversion.MapKeyToVector(source, input.Name));
        }
        else
        {
            flag = chain.AddProbabilityRowFlag(input.Name);
            source = input.Name;
        }
        var (values, expression) = mapping.AppendBuiltIns(chain, source, input.IsKey);
        // The flag is 0 or NaN: adding it last leaves valid rows bit-for-bit unchanged.
        chain.Add(chain.Context.Transforms.Expression(outputColumnName, $"(x, flag) => {expression} + flag", values, flag));
        return chain.Build();
    }
}

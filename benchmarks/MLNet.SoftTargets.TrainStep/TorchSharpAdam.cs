using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNet.SoftTargets.TrainStep;

/// <summary>The TorchSharp peers' report line for their optimizer.</summary>
public static class TorchSharpAdam
{
    /// <summary>The Adam hyper-parameters as <paramref name="optimizer"/> holds them (to check that none fell back to a default).</summary>
    public static string Describe(optim.Optimizer? optimizer)
    {
        if (optimizer is not Adam adam)
            return "?";
        var o = (Adam.Options)((ParamGroup)adam.ParamGroups.First()).Options;
        return FormattableString.Invariant(
            $"Adam(lr={o.LearningRate}, beta1={o.beta1}, beta2={o.beta2}, eps={o.eps}, weight_decay={o.weight_decay}, amsgrad={o.amsgrad}); torch threads={TorchSharp.torch.get_num_threads()}");
    }
}

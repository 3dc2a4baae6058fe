namespace MLNet.SoftTargets.Quickstart;

/// <summary>One example, as Model Builder's generated <c>ModelInput</c>: the pixels and the class name.</summary>
/// <remarks>The feature vector's size depends on the data set (64 or 784), so it is set by a schema definition at load time.</remarks>
public sealed class ModelInput
{
    /// <summary>Pixel intensities scaled to [0, 1].</summary>
    public float[] Features { get; set; } = [];

    /// <summary>The class name, e.g. "7" or "Sneaker".</summary>
    public string Label { get; set; } = "";
}

/// <summary>What the model returns for one example, as Model Builder's generated <c>ModelOutput</c>.</summary>
public sealed class ModelOutput
{
    /// <summary>Class probabilities, in the order of the model's classes.</summary>
    public float[] Score { get; set; } = [];

    /// <summary>The predicted class name.</summary>
    public string PredictedLabel { get; set; } = "";
}

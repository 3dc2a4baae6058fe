namespace MLNet.SoftTargets;

/// <summary>
/// A pretrained ONNX model to put the classifier on (fine-tuning): the feature column holds the backbone's raw input
/// (one example, flattened), the head is attached to <see cref="OutputName"/>, and the top
/// <see cref="TrainableLayers"/> parameterised layers (Conv, Gemm, MatMul, with their BatchNormalization scale and
/// bias) are trained too. Everything below them runs once per example (the bottleneck cache).
/// </summary>
public sealed record BackboneOptions
{
    /// <summary>The ONNX model's bytes (or set <see cref="ModelPath"/>).</summary>
    public byte[]? Model { get; init; }

    /// <summary>Path of the ONNX model file (used when <see cref="Model"/> is null).</summary>
    public string? ModelPath { get; init; }

    /// <summary>The tensor the head is attached to (flattened); default the model's first output.</summary>
    public string? OutputName { get; init; }

    /// <summary>Top parameterised layers to train; 0 keeps the whole backbone frozen. Default 0.</summary>
    public int TrainableLayers { get; init; }

    /// <summary>
    /// The learning rate of the trainable backbone layers as a multiple of the head's (the usual fine-tuning practice
    /// of a smaller rate for pretrained weights, e.g. 0.1). Applies to Adam, AdamW and SGD at every step of the
    /// schedule, AdamW's decoupled decay included; finite and ≥ 0 (0 keeps them at their pretrained values). Default 1.
    /// </summary>
    public double LearningRateMultiplier { get; init; } = 1;
}

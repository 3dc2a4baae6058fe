namespace MLNet.SoftTargets.Backbones;

/// <summary>What the engine needs to put a classifier on a pretrained ONNX model (translated from the trainer's <c>BackboneOptions</c>).</summary>
/// <param name="Model">The ONNX model's bytes.</param>
/// <param name="OutputName">The tensor the head is attached to (flattened); null for the model's first output.</param>
/// <param name="TrainableLayers">Top parameterised layers (Conv, Gemm, MatMul) that train; 0 keeps the model frozen.</param>
/// <param name="LearningRateMultiplier">The trainable layers' learning rate over the head's.</param>
internal sealed record BackboneSettings(byte[] Model, string? OutputName, int TrainableLayers, double LearningRateMultiplier = 1);

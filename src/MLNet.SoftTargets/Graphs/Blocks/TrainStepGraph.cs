using Onnx;
using MLNet.SoftTargets.Graphs.Autodiff;

namespace MLNet.SoftTargets.Graphs.Blocks;

/// <summary>
/// The training step as one ONNX graph: forward pass of the head, soft-target cross-entropy, reverse-mode
/// gradients and the optimizer update. Inputs: <c>features</c> [N, D], <c>targets</c> [N, K], optionally
/// <c>weights</c> [N], optionally <c>teacher_logits</c> [N, K] (in-the-loop distillation), <c>learning_rate</c> (float scalar) and <c>step</c> (int64 scalar, counted from 1), then every
/// state tensor. Outputs: <c>loss</c>, then <c>{state}.out</c> for every state tensor, in <see cref="StateNames"/> order.
/// </summary>
/// <remarks>State names follow one scheme: parameter <c>w</c>, optimizer state <c>w.m</c>, <c>w.v</c>, … (onnxblock's convention).</remarks>
internal sealed class TrainStepGraph
{
    public const string Features = "features";
    public const string Targets = "targets";
    public const string Weights = "weights";
    public const string TeacherLogits = "teacher_logits";
    public const string LearningRate = "learning_rate";
    public const string Step = "step";
    public const string Loss = "loss";

    private TrainStepGraph(byte[] model, IReadOnlyList<StateTensor> state, bool hasWeights, bool hasTeacher)
    {
        Model = model;
        State = state;
        HasWeights = hasWeights;
        HasTeacher = hasTeacher;
    }

    /// <summary>The serialized ONNX model.</summary>
    public byte[] Model { get; }

    /// <summary>Every tensor carried from step to step: parameters first (in head order), each followed by its optimizer state.</summary>
    public IReadOnlyList<StateTensor> State { get; }

    public IEnumerable<string> StateNames => State.Select(s => s.Name);

    public bool HasWeights { get; }

    /// <summary>Whether the step reads the teacher's logits (<see cref="TeacherLogits"/>).</summary>
    public bool HasTeacher { get; }

    public static string OutputName(string stateName) => stateName + ".out";

    /// <summary>
    /// Builds the step graph that trains every parameter of <paramref name="network"/>; the trunk's parameters (the
    /// unfrozen backbone layers) take the learning rate × <paramref name="trunkLearningRateScale"/>. With
    /// <paramref name="distillation"/> (temperature, weight) the loss has the teacher's term on the <see cref="TeacherLogits"/> input.
    /// </summary>
    public static TrainStepGraph Build(ClassifierNetwork network, OptimizerBlock optimizer,
        double lossTemperature, bool withWeights, TensorProto.Types.DataType elementType = TensorProto.Types.DataType.Float, double trunkLearningRateScale = 1,
        (double Temperature, double Weight)? distillation = null)
    {
        var parameters = network.Parameters;
        var g = new GraphBuilder(elementType);
        var features = g.AddInput(Features, [GraphBuilder.Dynamic, network.InputSize]);
        var targets = g.AddInput(Targets, [GraphBuilder.Dynamic, network.ClassCount]);
        var weights = withWeights ? g.AddInput(Weights, [GraphBuilder.Dynamic]) : null;
        var teacher = distillation is { } d
            ? new DistillationTerm(g.AddInput(TeacherLogits, [GraphBuilder.Dynamic, network.ClassCount]), d.Temperature, d.Weight)
            : null;
        var learningRate = g.AddInput(LearningRate, []);
        // The 1-based step count is an int64 input, exact for any run length; the optimizer reads it as the element
        // type (exact below 2^24, and beyond that Adam's bias corrections are 1 to float precision anyway).
        var step = g.CastToElement(g.AddInput(Step, [], TensorProto.Types.DataType.Int64));

        var state = new List<StateTensor>();
        var values = new Dictionary<string, string>();
        foreach (var p in parameters)
        {
            values[p.Name] = g.AddInput(p.Name, p.Shape);
            state.Add(new StateTensor(p.Name, p.Shape, IsParameter: true));
            foreach (var suffix in optimizer.StateSuffixes)
            {
                string name = $"{p.Name}.{suffix}";
                g.AddInput(name, p.Shape);
                state.Add(new StateTensor(name, p.Shape, IsParameter: false));
            }
        }

        // The weights are inputs here: large backbone convs as im2col + Gemm (see GraphBuilder.LargeConvolutionsAsGemm).
        g.LargeConvolutionsAsGemm = true;
        var (logits, _) = network.Forward(g, features, name => values[name]);
        var loss = SoftTargetCrossEntropyBlock.Build(g, logits, targets, weights, lossTemperature, teacher);
        var gradients = ReverseMode.Gradients(g, loss, parameters.Select(p => values[p.Name]).ToArray());

        g.AddOutput(loss, Loss);
        optimizer.Prepare(g, learningRate, step);
        for (int i = 0; i < parameters.Count; i++)
        {
            var name = parameters[i].Name;
            var optimizerState = optimizer.StateSuffixes.Select(s => $"{name}.{s}").ToArray();
            double scale = network.Trunk?.Parameters.Any(p => p.Name == name) == true ? trunkLearningRateScale : 1;
            var (updated, newState) = optimizer.Update(g, name, gradients[i], optimizerState, learningRate, scale);
            g.AddOutput(updated, OutputName(name));
            for (int s = 0; s < newState.Length; s++)
                g.AddOutput(newState[s], OutputName(optimizerState[s]));
        }
        return new TrainStepGraph(g.ToBytes(), state, withWeights, teacher is not null);
    }
}

/// <summary>A tensor carried between training steps.</summary>
internal sealed record StateTensor(string Name, long[] Shape, bool IsParameter)
{
    public int Length => (int)Shape.Aggregate(1L, (p, d) => p * d);
}

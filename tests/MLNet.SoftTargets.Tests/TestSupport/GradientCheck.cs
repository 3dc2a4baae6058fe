using System.Globalization;
using MLNet.SoftTargets.Graphs;
using MLNet.SoftTargets.Graphs.Autodiff;
using Onnx;

namespace MLNet.SoftTargets.Tests.TestSupport;

/// <summary>Where the random values of a gradient-check input are drawn.</summary>
internal enum ValueRange
{
    /// <summary>Uniform in [-1, 1).</summary>
    Signed,

    /// <summary>Uniform in [0.5, 2): for Log, Sqrt and divisors.</summary>
    Positive,

    /// <summary>Magnitude uniform in [0.2, 1), random sign: for kinks at 0 such as Relu.</summary>
    AwayFromZero,

    /// <summary>
    /// A random permutation of <c>n</c> evenly spaced values in (-1, 1), spacing <c>2/n</c>: no two elements tie, so an
    /// argmax (MaxPool) is stable under the finite-difference steps.
    /// </summary>
    Distinct,
}

/// <summary>
/// How a gradient check perturbs and compares: central differences with <paramref name="Step"/>, an element passing when
/// <c>|analytic − numeric| ≤ Relative·max(|analytic|, |numeric|) + Absolute</c>.
/// </summary>
internal sealed record CheckTolerance(double Step, double Relative, double Absolute)
{
    /// <summary>The float64 check: a tiny step, tight tolerances.</summary>
    public static readonly CheckTolerance Double = new(GradientCheck.Step, GradientCheck.RelativeTolerance, GradientCheck.AbsoluteTolerance);

    /// <summary>
    /// The float32 check, for ops that ONNX Runtime's CPU provider runs only in float (Conv, ConvTranspose, AveragePool,
    /// GlobalAveragePool). Valid only where the loss is affine in each single input element (convolutions, average
    /// pooling, products of them): central differences are then exact for any step, so a large step keeps the float
    /// rounding of the loss small against the difference, and 2e-3 relative is left for float accumulation.
    /// </summary>
    public static readonly CheckTolerance Float = new(0.25, 2e-3, 1e-4);
}

/// <summary>One input of a gradient check: a graph input (possibly with <see cref="GraphBuilder.Dynamic"/> dimensions).</summary>
internal sealed record GradientInput(string Name, long[] Shape, ValueRange Range = ValueRange.Signed);

/// <summary>
/// Finite-difference checks of <see cref="ReverseMode"/> in float64. The checked graph is
/// <c>loss = ReduceSum(forward(inputs) · r)</c> with <c>r</c> a random tensor fed as the extra input <see cref="Weights"/>,
/// so every element of the forward output gets a different weight; its outputs are <see cref="Loss"/> and one
/// <c>grad_&lt;input&gt;</c> per input. The analytic gradients come from one run; each element of each input is then
/// perturbed by ±<see cref="Step"/> and the loss alone re-run (central differences).
/// </summary>
internal static class GradientCheck
{
    public const string Loss = "loss";
    public const string Weights = "r";
    public const double Step = 1e-6;
    public const double RelativeTolerance = 1e-6;
    public const double AbsoluteTolerance = 1e-8;

    public static string GradientOutput(string input) => "grad_" + input;

    /// <summary>Builds the checked graph around <paramref name="forward"/>, differentiating w.r.t. every input.</summary>
    public static GraphBuilder Build(IReadOnlyList<GradientInput> inputs, Func<GraphBuilder, string[], string> forward,
        TensorProto.Types.DataType elementType = TensorProto.Types.DataType.Double)
    {
        var g = new GraphBuilder(elementType);
        var names = inputs.Select(i => g.AddInput(i.Name, i.Shape)).ToArray();
        var y = forward(g, names);
        var r = g.AddInput(Weights, g.Shape(y));
        var loss = g.ReduceSum(g.Mul(y, r), [], keepDims: false);
        var gradients = ReverseMode.Gradients(g, loss, names);
        Assert.HasCount(names.Length, gradients);
        g.AddOutput(loss, Loss);
        for (int i = 0; i < names.Length; i++)
            g.AddOutput(gradients[i], GradientOutput(names[i]));
        return g;
    }

    /// <summary>Random feeds for <paramref name="inputs"/> and the weights, with dynamic dimensions set to <paramref name="dynamicSize"/>.</summary>
    /// <remarks>In a float graph (<see cref="GraphBuilder.ElementType"/>) the values are rounded to float, so that the graph sees them exactly.</remarks>
    public static Dictionary<string, TestTensor> RandomFeeds(GraphBuilder g, IReadOnlyList<GradientInput> inputs, int seed, long dynamicSize = 2)
    {
        var rng = new Random(seed);
        long[] Concrete(long[] shape) => shape.Select(d => d == GraphBuilder.Dynamic ? dynamicSize : d).ToArray();
        var feeds = new Dictionary<string, TestTensor>();
        foreach (var input in inputs)
            feeds[input.Name] = Random(rng, Concrete(input.Shape), input.Range);
        feeds[Weights] = Random(rng, Concrete(g.Shape(Weights)), ValueRange.Signed);
        if (g.ElementType == TensorProto.Types.DataType.Float)
        {
            foreach (var name in feeds.Keys.ToArray())
                feeds[name] = feeds[name] with { Data = Array.ConvertAll(feeds[name].Data, d => (double)(float)d) };
        }
        return feeds;
    }

    public static TestTensor Random(Random rng, long[] shape, ValueRange range)
    {
        var data = new double[TestTensor.ElementCount(shape)];
        if (range == ValueRange.Distinct)
        {
            var order = Enumerable.Range(0, data.Length).ToArray();
            rng.Shuffle(order);
            for (int i = 0; i < data.Length; i++)
                data[i] = -1 + (2.0 * order[i] + 1) / data.Length;
            return new TestTensor(data, shape);
        }
        for (int i = 0; i < data.Length; i++)
        {
            double u = rng.NextDouble();
            data[i] = range switch
            {
                ValueRange.Signed => 2 * u - 1,
                ValueRange.Positive => 0.5 + 1.5 * u,
                ValueRange.AwayFromZero => (rng.Next(2) == 0 ? -1 : 1) * (0.2 + 0.8 * u),
                _ => throw new ArgumentOutOfRangeException(nameof(range)),
            };
        }
        return new TestTensor(data, shape);
    }

    /// <summary>A seed that does not change between runs (string.GetHashCode does).</summary>
    public static int StableSeed(string text)
    {
        unchecked
        {
            int hash = (int)2166136261;
            foreach (char ch in text)
                hash = (hash ^ ch) * 16777619;
            return hash & int.MaxValue;
        }
    }

    /// <summary>
    /// Builds, runs and checks <paramref name="forward"/> with seeded random inputs, in float64 or, for ops without float64
    /// kernels, in float32 with <see cref="CheckTolerance.Float"/>.
    /// </summary>
    public static void Verify(string label, IReadOnlyList<GradientInput> inputs, Func<GraphBuilder, string[], string> forward,
        TensorProto.Types.DataType elementType = TensorProto.Types.DataType.Double)
    {
        var g = Build(inputs, forward, elementType);
        using var runner = new OnnxTestRunner(g.ToModel());
        var tolerance = elementType == TensorProto.Types.DataType.Float ? CheckTolerance.Float : CheckTolerance.Double;
        Verify(runner, RandomFeeds(g, inputs, StableSeed(label)), inputs.Select(i => i.Name).ToArray(), label, tolerance);
    }

    /// <summary>
    /// Compares the analytic gradients of <paramref name="wrt"/> (outputs <c>grad_&lt;input&gt;</c> of <paramref name="runner"/>)
    /// with central differences of the loss, element by element; fails naming the worst element.
    /// </summary>
    /// <returns>The analytic gradients, by input name.</returns>
    public static IReadOnlyDictionary<string, TestTensor> Verify(OnnxTestRunner runner, IReadOnlyDictionary<string, TestTensor> feeds, IReadOnlyList<string> wrt, string label,
        CheckTolerance? tolerances = null)
    {
        tolerances ??= CheckTolerance.Double;
        var analytic = runner.Run(feeds, [Loss, .. wrt.Select(GradientOutput)]);
        var perturbed = feeds.ToDictionary(kv => kv.Key, kv => kv.Value with { Data = (double[])kv.Value.Data.Clone() });
        double worstRatio = 0;
        string worst = "";
        int failures = 0;
        int checkedElements = 0;
        foreach (var name in wrt)
        {
            var gradient = analytic[GradientOutput(name)];
            CollectionAssert.AreEqual(feeds[name].Shape, gradient.Shape, $"{label}: shape of the gradient of '{name}'");
            var data = perturbed[name].Data;
            bool inFloat = runner.InputIsFloat(name);
            for (int j = 0; j < data.Length; j++)
            {
                double original = data[j];
                // The step actually taken: a float input rounds original ± step.
                double up = inFloat ? (float)(original + tolerances.Step) : original + tolerances.Step;
                double down = inFloat ? (float)(original - tolerances.Step) : original - tolerances.Step;
                data[j] = up;
                double plus = runner.RunOne(perturbed, Loss).Data[0];
                data[j] = down;
                double minus = runner.RunOne(perturbed, Loss).Data[0];
                data[j] = original;
                double numeric = (plus - minus) / (up - down);
                double exact = gradient.Data[j];
                double error = Math.Abs(exact - numeric);
                double tolerance = tolerances.Relative * Math.Max(Math.Abs(exact), Math.Abs(numeric)) + tolerances.Absolute;
                checkedElements++;
                if (!(error <= tolerance))
                    failures++;
                double ratio = double.IsNaN(error) ? double.PositiveInfinity : error / tolerance;
                if (ratio > worstRatio || worst.Length == 0)
                {
                    worstRatio = ratio;
                    worst = string.Create(CultureInfo.InvariantCulture,
                        $"'{name}'[{Index(j, feeds[name].Shape)}]: analytic {exact:R}, numeric {numeric:R}, |diff| {error:E3}, tolerance {tolerance:E3}");
                }
            }
        }
        Assert.IsGreaterThan(0, checkedElements, $"{label}: nothing to check");
        Assert.AreEqual(0, failures, $"{label}: {failures} of {checkedElements} gradient elements differ from central differences; worst {worst}");
        return wrt.ToDictionary(w => w, w => analytic[GradientOutput(w)]);
    }

    /// <summary>
    /// <paramref name="actual"/> equals <paramref name="expected"/> element by element to <paramref name="relative"/>
    /// times the larger of the element and the expected tensor's RMS (the floor for sums taken in another order).
    /// </summary>
    public static void AssertClose(TestTensor expected, TestTensor actual, double relative, string what)
    {
        CollectionAssert.AreEqual(expected.Shape, actual.Shape, $"{what}: shape");
        double rms = Math.Sqrt(expected.Data.Average(d => d * d));
        for (int j = 0; j < expected.Data.Length; j++)
            Assert.AreEqual(expected.Data[j], actual.Data[j], relative * Math.Max(Math.Abs(expected.Data[j]), rms), $"{what}[{Index(j, expected.Shape)}]");
    }

    /// <summary>
    /// Two gradient graphs of the same inputs (<see cref="Build"/>) give the same gradients on the same random feeds,
    /// each tensor to <paramref name="relative"/> (see <see cref="AssertClose"/>).
    /// </summary>
    public static void AssertSameGradients(string label, IReadOnlyList<GradientInput> inputs, GraphBuilder reference, GraphBuilder candidate, double relative)
    {
        var feeds = RandomFeeds(reference, inputs, StableSeed(label), dynamicSize: 3);
        string[] outputs = [.. inputs.Select(i => GradientOutput(i.Name))];
        IReadOnlyDictionary<string, TestTensor> expected, actual;
        using (var runner = new OnnxTestRunner(reference.ToModel()))
            expected = runner.Run(feeds, outputs);
        using (var runner = new OnnxTestRunner(candidate.ToModel()))
            actual = runner.Run(feeds, outputs);
        foreach (var output in outputs)
            AssertClose(expected[output], actual[output], relative, $"{label}: '{output}'");
    }

    /// <summary>The multi-index of row-major element <paramref name="flat"/>, e.g. <c>1,0</c>.</summary>
    public static string Index(int flat, long[] shape)
    {
        var index = new long[shape.Length];
        long rest = flat;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            index[d] = rest % shape[d];
            rest /= shape[d];
        }
        return string.Join(",", index);
    }
}

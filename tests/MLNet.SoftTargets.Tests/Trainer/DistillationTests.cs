using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.SoftTargets.Graphs;
using MLNet.SoftTargets.Graphs.Blocks;
using Onnx;

namespace MLNet.SoftTargets.Tests.Trainer;

/// <summary>
/// In-the-loop distillation (<see cref="TeacherOptions"/>): the loss against an independent computation (with Hinton's T²
/// factor) and central differences; Weight 0 is the run without a teacher; an ONNX teacher is the model teacher; a
/// student with Weight 1 follows a teacher that contradicts the labels; bad teachers and arguments are refused by name.
/// </summary>
[TestClass]
public sealed class DistillationTests
{
    private const int K = 4;

    [TestMethod]
    [DataRow(1.0, 0.9, 4.0)]
    [DataRow(2.0, 0.5, 2.0)]
    [DataRow(1.0, 1.0, 3.0)]
    public void DistillationLoss_EqualsTheIndependentFormula(double lossTemperature, double weight, double temperature)
    {
        var g = new GraphBuilder(TensorProto.Types.DataType.Double);
        var logits = g.AddInput("z", [GraphBuilder.Dynamic, K]);
        var targets = g.AddInput("q", [GraphBuilder.Dynamic, K]);
        var weights = g.AddInput("w", [GraphBuilder.Dynamic]);
        var teacher = g.AddInput("t", [GraphBuilder.Dynamic, K]);
        g.AddOutput(SoftTargetCrossEntropyBlock.Build(g, logits, targets, weights, lossTemperature, new DistillationTerm(teacher, temperature, weight)), "loss");
        var rng = new Random(5);
        const int n = 6;
        double[] z = Random(rng, n * K, 3), t = Random(rng, n * K, 5), w = Enumerable.Range(0, n).Select(i => 0.5 + rng.NextDouble()).ToArray();
        var q = new double[n * K];
        for (int i = 0; i < n; i++)
        {
            var row = Random(rng, K, 1).Select(Math.Exp).ToArray();
            for (int k = 0; k < K; k++)
                q[i * K + k] = row[k] / row.Sum();
        }
        double actual;
        using (var runner = new OnnxTestRunner(g.ToModel()))
            actual = runner.RunOne(new Dictionary<string, TestTensor>
            {
                ["z"] = new(z, [n, K]), ["q"] = new(q, [n, K]), ["w"] = new(w, [n]), ["t"] = new(t, [n, K]),
            }, "loss").Data[0];

        // Independently: per row (1 − λ)·CE(q, softmax(z/T_loss)) + λ·T²·KL(softmax(t/T) ‖ softmax(z/T)), weighted mean.
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            var zi = z.AsSpan(i * K, K).ToArray();
            var ps = Softmax(zi, lossTemperature);
            var pt = Softmax(t.AsSpan(i * K, K).ToArray(), temperature);
            var pst = Softmax(zi, temperature);
            double ce = -Enumerable.Range(0, K).Sum(k => q[i * K + k] * Math.Log(ps[k]));
            double kl = Enumerable.Range(0, K).Sum(k => pt[k] * Math.Log(pt[k] / pst[k]));
            total += w[i] * ((1 - weight) * ce + weight * temperature * temperature * kl);
        }
        Assert.AreEqual(total / w.Sum(), actual, 1e-12);
    }

    [TestMethod]
    public void DistillationTerm_ScalesAsTSquaredTimesTheKl()
    {
        // Weight 1: the loss is exactly T²·KL, so the same logits at T and 2T give losses whose ratio is 4·KL(2T)/KL(T).
        double Loss(double temperature, double[] z, double[] t)
        {
            var g = new GraphBuilder(TensorProto.Types.DataType.Double);
            var logits = g.AddInput("z", [1, K]);
            var teacher = g.AddInput("t", [1, K]);
            g.AddOutput(SoftTargetCrossEntropyBlock.Build(g, logits, g.AddInput("q", [1, K]), null, 1, new DistillationTerm(teacher, temperature, 1)), "loss");
            using var runner = new OnnxTestRunner(g.ToModel());
            return runner.RunOne(new Dictionary<string, TestTensor> { ["z"] = new(z, [1, K]), ["t"] = new(t, [1, K]), ["q"] = new([1, 0, 0, 0], [1, K]) }, "loss").Data[0];
        }
        double[] zs = [0.3, -1.2, 2.0, 0.1], ts = [1.5, 0.2, -0.7, 0.9];
        foreach (double temperature in new[] { 1.0, 2.0, 4.0 })
        {
            var pt = Softmax(ts, temperature);
            var ps = Softmax(zs, temperature);
            double kl = Enumerable.Range(0, K).Sum(k => pt[k] * Math.Log(pt[k] / ps[k]));
            Assert.AreEqual(temperature * temperature * kl, Loss(temperature, zs, ts), 1e-12, $"T = {temperature}");
        }
    }

    [TestMethod]
    [DataRow(0.9, 4.0, 1.0)]
    [DataRow(0.3, 2.0, 1.5)]
    public void DistillationLoss_MatchesCentralDifferences(double weight, double temperature, double lossTemperature) =>
        GradientCheck.Verify($"distillation λ {weight} T {temperature} T_loss {lossTemperature}", [new("z", [3, K]), new("t", [3, K])],
            (g, v) => SoftTargetCrossEntropyBlock.Build(g, v[0],
                g.AddInitializer("q", Enumerable.Range(0, 3 * K).Select(i => i % K == i / K ? 0.7 : 0.1).ToArray(), [3, K]), null, lossTemperature,
                new DistillationTerm(v[1], temperature, weight)));

    private static SoftTargetCrossEntropyTrainer.Options Student => new()
    {
        HiddenLayerSizes = [16], Epochs = 3, BatchSize = 64, LearningRate = 0.01, CacheData = true, Device = TrainingDevice.Cpu, Threads = 1,
    };

    private static SoftTargetCrossEntropyModel Teacher(MLContext ml, IDataView train) =>
        ml.MulticlassClassification.Trainers.SoftTargetCrossEntropy(new SoftTargetCrossEntropyTrainer.Options
        {
            SoftTargetColumnName = null, HiddenLayerSizes = [32], Epochs = 4, BatchSize = 64, LearningRate = 0.01, CacheData = true,
            Device = TrainingDevice.Cpu, Threads = 1, Seed = 3,
        }).Fit(train);

    [TestMethod]
    public void WeightZero_TrainsBitForBitAsWithoutATeacher()
    {
        var ml = TestData.Context();
        var (train, _) = DigitsData.Split(ml);
        var data = DigitsData.Smoothed(ml, train, 0.1);
        using var teacher = Teacher(ml, train);
        using var plain = new SoftTargetCrossEntropyTrainer(Student).Fit(data);
        using var zero = new SoftTargetCrossEntropyTrainer(Student with { Teacher = new TeacherOptions { Model = teacher, Weight = 0 } }).Fit(data);
        AssertSameParameters(plain, zero, 0);
        // The linear default (L-BFGS) stays L-BFGS with a zero-weight teacher too.
        var linear = new SoftTargetCrossEntropyTrainer.Options { Device = TrainingDevice.Cpu, Threads = 1 };
        using var a = new SoftTargetCrossEntropyTrainer(linear).Fit(data);
        using var b = new SoftTargetCrossEntropyTrainer(linear with { Teacher = new TeacherOptions { Model = teacher, Weight = 0 } }).Fit(data);
        AssertSameParameters(a, b, 0);
        Assert.AreEqual(TrainingStopReason.Converged, b.History[^1].StopReason, "L-BFGS converges; Adam would stop on a plateau or the budget");
        Assert.HasCount(a.History.Count, b.History);
    }

    [TestMethod]
    public void OnnxTeacher_EqualsTheModelTeacher()
    {
        var ml = TestData.Context();
        var (train, _) = DigitsData.Split(ml);
        var data = DigitsData.Smoothed(ml, train, 0.1);
        using var teacher = Teacher(ml, train);
        string logitsFile = Path.Combine(Path.GetTempPath(), $"teacher-logits-{Guid.NewGuid():N}.onnx");
        string scoreFile = Path.Combine(Path.GetTempPath(), $"teacher-score-{Guid.NewGuid():N}.onnx");
        try
        {
            using (var stream = File.Create(logitsFile))
                teacher.ExportOnnx(stream, withLogits: true);
            using (var stream = File.Create(scoreFile))
                teacher.ExportOnnx(stream);
            using var fromModel = new SoftTargetCrossEntropyTrainer(Student with { Teacher = new TeacherOptions { Model = teacher } }).Fit(data);
            using var fromLogits = new SoftTargetCrossEntropyTrainer(Student with { Teacher = new TeacherOptions { ModelPath = logitsFile } }).Fit(data);
            using var fromScore = new SoftTargetCrossEntropyTrainer(Student with { Teacher = new TeacherOptions { ModelPath = scoreFile } }).Fit(data);
            using var without = new SoftTargetCrossEntropyTrainer(Student).Fit(data);
            AssertSameParameters(fromModel, fromLogits, 0);
            // The Score-only graph is read as probabilities: log p differs from the logits by the row's log-sum-exp (and float rounding).
            AssertSameParameters(fromModel, fromScore, 1e-5);
            Assert.IsGreaterThan(1e-3, TestData.MaxParameterDifference(fromModel, without), "the teacher changed nothing");
        }
        finally
        {
            File.Delete(logitsFile);
            File.Delete(scoreFile);
        }
    }

    [TestMethod]
    public void WeightOne_StudentFollowsATeacherThatContradictsTheLabels()
    {
        var ml = TestData.Context();
        var (train, test) = DigitsData.Split(ml);
        // The teacher learns digit d as class (d + 1) mod 10.
        var shifted = ml.Transforms.CustomMapping<DigitRowLabel, DigitRowLabel>((from, to) => to.Digit = ((int.Parse(from.Digit!) + 1) % 10).ToString(), null)
            .Fit(train).Transform(ml.Transforms.DropColumns("Label").Fit(train).Transform(train));
        using var teacher = Teacher(ml, DigitsData.KeyDigits(ml, shifted));
        using var student = new SoftTargetCrossEntropyTrainer(Student with
        {
            SoftTargetColumnName = null, Epochs = 6, Teacher = new TeacherOptions { Model = teacher, Weight = 1, Temperature = 1 },
        }).Fit(train);
        var t = Predicted(teacher.Transform(test));
        var s = Predicted(student.Transform(test));
        double agreement = t.Zip(s).Count(p => p.First == p.Second) / (double)t.Length;
        var truth = test.GetColumn<uint>(test.Schema["Label"]).ToArray();
        double accuracy = s.Zip(truth).Count(p => p.First == p.Second) / (double)s.Length;
        Assert.IsGreaterThanOrEqualTo(0.9, agreement, $"student agrees with the teacher on {agreement:P1}");
        Assert.IsLessThan(0.2, accuracy, $"student accuracy on the true labels {accuracy:P1}");
    }

    [TestMethod]
    public void BadTeachersAndArguments_AreRefusedByName()
    {
        var ml = TestData.Context();
        var (train, _) = DigitsData.Split(ml);
        using var teacher = Teacher(ml, train);
        void Refused<T>(SoftTargetCrossEntropyTrainer.Options options, string name, bool atFit = false) where T : Exception
        {
            var e = Assert.Throws<T>(() =>
            {
                var trainer = new SoftTargetCrossEntropyTrainer(options);
                if (atFit)
                    trainer.Fit(train).Dispose();
            });
            StringAssert.Contains(e.Message, name);
        }
        var hard = Student with { SoftTargetColumnName = null };
        Refused<ArgumentOutOfRangeException>(hard with { Teacher = new TeacherOptions { Model = teacher, Weight = -0.1 } }, "Teacher.Weight");
        Refused<ArgumentOutOfRangeException>(hard with { Teacher = new TeacherOptions { Model = teacher, Weight = 1.5 } }, "Teacher.Weight");
        Refused<ArgumentOutOfRangeException>(hard with { Teacher = new TeacherOptions { Model = teacher, Temperature = 0 } }, "Teacher.Temperature");
        Refused<ArgumentException>(hard with { Teacher = new TeacherOptions() }, "exactly one of Model");
        Refused<ArgumentException>(hard with { Teacher = new TeacherOptions { Model = teacher, ModelPath = "x.onnx" } }, "exactly one of Model");
        Refused<ArgumentOutOfRangeException>(hard with { Optimizer = SoftTargetOptimizer.Lbfgs, Teacher = new TeacherOptions { Model = teacher } }, "L-BFGS");
        Refused<ArgumentOutOfRangeException>(hard with { Teacher = new TeacherOptions { Model = teacher }, Backbone = new BackboneOptions { Model = [1] } }, "Backbone");
        Refused<ArgumentException>(hard with { Teacher = new TeacherOptions { ModelPath = "/nonexistent/teacher.onnx" } }, "Teacher.ModelPath", atFit: true);
        Refused<ArgumentOutOfRangeException>(hard with { Teacher = new TeacherOptions { Model = teacher, Temperature = 1e5 } }, "Teacher.Temperature");
        Refused<ArgumentException>(hard with { Teacher = new TeacherOptions { Model = teacher, OutputName = "Logits" } }, "for ModelPath");

        string dir = Directory.CreateTempSubdirectory("teacher-shapes-").FullName;
        try
        {
            string NonZero(string file)
            {
                var g = new GraphBuilder(TensorProto.Types.DataType.Float);
                var x = g.AddInput("X", [GraphBuilder.Dynamic, 64]);
                g.AddOutput(g.Add(g.MatMul(x, g.AddInitializer("w", new double[640], [64, 10])), g.Scalar(3)), "Probabilities");
                string path = Path.Combine(dir, file);
                File.WriteAllBytes(path, g.ToBytes());
                return path;
            }
            string Graph(string file, long inputWidth, long classes, string output)
            {
                var g = new GraphBuilder(TensorProto.Types.DataType.Float);
                var x = g.AddInput("X", [GraphBuilder.Dynamic, inputWidth]);
                g.AddOutput(g.MatMul(x, g.AddInitializer("w", new double[inputWidth * classes], [inputWidth, classes])), output);
                string path = Path.Combine(dir, file);
                File.WriteAllBytes(path, g.ToBytes());
                return path;
            }
            Refused<ArgumentOutOfRangeException>(hard with { Teacher = new TeacherOptions { ModelPath = Graph("w63.onnx", 63, 10, "Logits") } }, "63", atFit: true);
            Refused<ArgumentOutOfRangeException>(hard with { Teacher = new TeacherOptions { ModelPath = Graph("k9.onnx", 64, 9, "Logits") } }, "10 classes", atFit: true);
            Refused<ArgumentOutOfRangeException>(hard with { Teacher = new TeacherOptions { ModelPath = Graph("named.onnx", 64, 10, "Probabilities") } }, "Teacher.OutputName", atFit: true);
            Refused<ArgumentOutOfRangeException>(hard with { Teacher = new TeacherOptions { ModelPath = Graph("named2.onnx", 64, 10, "Logits"), OutputName = "Nope" } }, "Nope", atFit: true);
            string empty = Path.Combine(dir, "empty.onnx");
            File.WriteAllBytes(empty, []);
            Refused<ArgumentException>(hard with { Teacher = new TeacherOptions { ModelPath = empty } }, "Teacher.ModelPath", atFit: true);
            // Logits read as probabilities: outside [0, 1], refused at the first batch with the row and class.
            var e2 = Assert.Throws<InvalidOperationException>(() => new SoftTargetCrossEntropyTrainer(hard with
            {
                Teacher = new TeacherOptions { ModelPath = NonZero("logits.onnx"), OutputName = "Probabilities", OutputIsProbabilities = true },
            }).Fit(train).Dispose());
            StringAssert.Contains(e2.Message, "read as a probability");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }

        // The model teacher's classes in another key order than the student's label.
        var reversedKeys = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 10).Reverse().Select(d => new DigitRowLabel { Digit = d.ToString() }));
        var reordered = ml.Transforms.Conversion.MapValueToKey("Label", "Digit", keyData: reversedKeys).Fit(train).Transform(ml.Transforms.DropColumns("Label").Fit(train).Transform(train));
        var order = Assert.Throws<ArgumentOutOfRangeException>(() => new SoftTargetCrossEntropyTrainer(hard with { Teacher = new TeacherOptions { Model = teacher } }).Fit(reordered));
        StringAssert.Contains(order.Message, "same key order");

        // Another feature width than the model teacher's.
        var mismatched = new SoftTargetCrossEntropyTrainer(hard with { Teacher = new TeacherOptions { Model = teacher } });
        var wider = ml.Transforms.Concatenate("Features", "Features", "Features").Fit(train).Transform(train);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => mismatched.Fit(wider));
        StringAssert.Contains(e.Message, "128");
    }

    private sealed class DigitRowLabel
    {
        public string? Digit { get; set; }
    }

    private static uint[] Predicted(IDataView scored) => scored.GetColumn<uint>(scored.Schema["PredictedLabel"]).ToArray();

    private static void AssertSameParameters(SoftTargetCrossEntropyModel expected, SoftTargetCrossEntropyModel actual, double tolerance)
    {
        double difference = TestData.MaxParameterDifference(expected, actual);
        Assert.IsLessThanOrEqualTo(tolerance, difference, $"largest parameter difference {difference:E3}");
    }

    private static double[] Random(Random rng, int n, double scale) => Enumerable.Range(0, n).Select(_ => (rng.NextDouble() * 2 - 1) * scale).ToArray();

    private static double[] Softmax(double[] z, double temperature)
    {
        double max = z.Max(v => v / temperature);
        var e = z.Select(v => Math.Exp(v / temperature - max)).ToArray();
        double sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }
}

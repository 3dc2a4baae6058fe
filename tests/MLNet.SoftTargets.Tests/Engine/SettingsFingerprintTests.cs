using System.Reflection;
using MLNet.SoftTargets.Backbones;
using MLNet.SoftTargets.Engine;

namespace MLNet.SoftTargets.Tests.Engine;

/// <summary>
/// The checkpoint fingerprint is derived from the engine's settings records, so no setting can escape it: every leaf
/// of <see cref="TrainingSettings"/> changes it, and every trainer option either changes it or is declared here as not
/// changing the arithmetic (and then reaches the engine through <see cref="RunSettings"/> or the model only).
/// </summary>
[TestClass]
public sealed class SettingsFingerprintTests
{
    /// <summary>Options that cannot change the trained numbers: where and how the run happens, what is reported, what the model outputs.</summary>
    private static readonly string[] NotArithmetic =
    [
        nameof(SoftTargetCrossEntropyTrainer.Options.Device), nameof(SoftTargetCrossEntropyTrainer.Options.Threads),
        nameof(SoftTargetCrossEntropyTrainer.Options.CheckpointDirectory), nameof(SoftTargetCrossEntropyTrainer.Options.CheckpointInterval),
        nameof(SoftTargetCrossEntropyTrainer.Options.Progress), nameof(SoftTargetCrossEntropyTrainer.Options.Log),
        nameof(SoftTargetCrossEntropyTrainer.Options.CancellationToken),
        nameof(SoftTargetCrossEntropyTrainer.Options.OutputLogits), nameof(SoftTargetCrossEntropyTrainer.Options.OutputEmbedding),
    ];

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void EveryLeafOfTheSettings_ChangesTheFingerprint(bool withBackbone)
    {
        var baseline = Settings(withBackbone);
        var paths = new List<string>();
        foreach (var (path, mutated) in Mutations(baseline, "TrainingSettings"))
        {
            paths.Add(path);
            Assert.AreNotEqual(baseline.Fingerprint, ((TrainingSettings)mutated).Fingerprint, $"changing {path} must change the fingerprint");
        }
        // The walk reached the nested records (a guard against a mutation helper that silently stops descending).
        CollectionAssert.Contains(paths, "TrainingSettings.Optimizer.Beta2");
        CollectionAssert.Contains(paths, "TrainingSettings.Network.HiddenLayerSizes");
        CollectionAssert.Contains(paths, withBackbone ? "TrainingSettings.Network.Backbone.Model" : "TrainingSettings.Network.Backbone");
    }

    [TestMethod]
    public void EqualSettings_GiveEqualFingerprints_AndTheFingerprintNamesEverySetting()
    {
        var a = Settings(withBackbone: true);
        var b = Settings(withBackbone: true);
        Assert.AreEqual(a.Fingerprint, b.Fingerprint);
        StringAssert.Contains(a.Fingerprint, "TrainingSettings.Optimizer.LearningRate=0.003;");
        StringAssert.Contains(a.Fingerprint, "TrainingSettings.Network.Backbone.Model=sha256:");
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void EveryTrainerOption_IsFingerprinted_OrDeclaredNotToChangeTheArithmetic(bool mlp)
    {
        var ml = TestData.Context();
        var (train, _) = DigitsData.Split(ml);
        // A linear head with nothing set trains by L-BFGS, an MLP by Adam on the automatic budget: both resolutions are walked.
        var options = new SoftTargetCrossEntropyTrainer.Options { EarlyStoppingPatience = 2, HiddenLayerSizes = mlp ? [8] : [] };
        var schema = TrainingSchema.Create(DigitsData.Smoothed(ml, train, 0.1).Schema, options);
        string Fingerprint(SoftTargetCrossEntropyTrainer.Options o) =>
            OptionsTranslation.Training(o, schema, AutomaticSettings.Resolve(o, schema, rowCount: 1400, hasValidation: false)).Fingerprint;
        string baseline = Fingerprint(options);

        var properties = typeof(SoftTargetCrossEntropyTrainer.Options).GetProperties(BindingFlags.Public | BindingFlags.Instance);
        Assert.IsGreaterThan(30, properties.Length, "the walk sees the options");
        foreach (var property in properties)
        {
            var changed = MutateOption(property.PropertyType, property.GetValue(options)).Select(value =>
            {
                var mutated = CloneRecord(options);
                property.SetValue(mutated, value);
                return Fingerprint((SoftTargetCrossEntropyTrainer.Options)mutated) != baseline;
            }).ToArray();
            if (NotArithmetic.Contains(property.Name))
                Assert.IsFalse(changed.Any(c => c), $"{property.Name} is declared not to change the arithmetic but changes the fingerprint");
            else if (!(mlp ? LinearOnly : AdamOnly).Contains(property.Name))
                Assert.IsTrue(changed.Any(c => c), $"option {property.Name} escapes the checkpoint fingerprint: put it into TrainingSettings, or declare it here as not changing the numbers");
        }
    }

    /// <summary>Options that only full-batch L-BFGS reads (an MLP trains by Adam) …</summary>
    private static readonly string[] LinearOnly =
    [
        nameof(SoftTargetCrossEntropyTrainer.Options.MaximumNumberOfIterations), nameof(SoftTargetCrossEntropyTrainer.Options.OptimizationTolerance),
    ];

    /// <summary>… and options that L-BFGS ignores (no steps, no batches, no schedule; the data is always cached).</summary>
    private static readonly string[] AdamOnly =
    [
        nameof(SoftTargetCrossEntropyTrainer.Options.AutomaticStepBudget), nameof(SoftTargetCrossEntropyTrainer.Options.AutomaticCacheBytes),
    ];

    [TestMethod]
    public void ASettingOfAnUnknownKind_CannotBeFingerprinted()
    {
        var e = Assert.ThrowsExactly<NotSupportedException>(() => SettingsFingerprint.Of(new HasADevice(TrainingDevice.Cpu)));
        StringAssert.Contains(e.Message, "RunSettings");
        Assert.ThrowsExactly<NotSupportedException>(() => SettingsFingerprint.Of(new HasAnObject(new object())));
    }

    private sealed record HasADevice(TrainingDevice Device);

    private sealed record HasAnObject(object Thing);

    private static TrainingSettings Settings(bool withBackbone) => new()
    {
        Network = new NetworkSettings(64, 10, [16, 8], 16, withBackbone ? new BackboneSettings([1, 2, 3], "out", 1) : null),
        Optimizer = new OptimizerSettings(SoftTargetOptimizer.Adam, 0.003, 0, 0.9, 0.999, 1e-8, 0.9, false),
        Schedule = new ScheduleSettings(LearningRateSchedule.Constant, 10, 0.1, 0),
        Batches = new BatchSettings(10, 256, true, 16_384, false, 42),
        Loss = new LossSettings(1, false),
        Stopping = new StoppingSettings(null, EarlyStoppingMetric.LogLoss),
        Lbfgs = new LbfgsSettings(1000, 1e-7),
        Teacher = withBackbone ? null : new TeacherSettings([4, 5], "Logits", false, 4, 0.9),
        Mixup = withBackbone ? null : new MixupSettings(0.2, 1, 1, 0.5, [1, 8, 8]),
        DataSource = "features 'Features'",
    };

    /// <summary>Every copy of <paramref name="record"/> with exactly one leaf setting changed, with the leaf's path.</summary>
    private static IEnumerable<(string Path, object Mutated)> Mutations(object record, string path)
    {
        foreach (var property in record.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            var value = property.GetValue(record);
            string childPath = $"{path}.{property.Name}";
            bool isRecord = property.PropertyType.IsClass && property.PropertyType != typeof(string) && property.PropertyType != typeof(byte[])
                && !typeof(System.Collections.IEnumerable).IsAssignableFrom(property.PropertyType);
            if (isRecord && value is not null)
            {
                foreach (var (leaf, child) in Mutations(value, childPath))
                {
                    var copy = CloneRecord(record);
                    property.SetValue(copy, child);
                    yield return (leaf, copy);
                }
                continue;
            }
            var mutated = CloneRecord(record);
            property.SetValue(mutated, MutateLeaf(property.PropertyType, value));
            yield return (childPath, mutated);
        }
    }

    private static object MutateLeaf(Type type, object? value)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        return value switch
        {
            null when underlying == typeof(BackboneSettings) => new BackboneSettings([9], null, 0),
            null when underlying == typeof(TeacherSettings) => new TeacherSettings([9], "Score", true, 2, 0.5),
            null when underlying == typeof(MixupSettings) => new MixupSettings(0.4, 0, 1, 0.5, null),
            null when underlying == typeof(int) => 3,
            null when underlying == typeof(double) => 1.5,
            int i => i + 1,
            long l => l + 1,
            double d => d * 2 + 1,
            bool b => !b,
            Enum e => NextEnumValue(e),
            string s => s + "x",
            byte[] bytes => bytes.Append((byte)7).ToArray(),
            IReadOnlyList<int> list => list.Append(3).ToArray(),
            _ => throw new AssertFailedException($"No mutation for a setting of type {type}; extend the test."),
        };
    }

    /// <summary>Values to try instead of <paramref name="value"/>; an option that changes the arithmetic changes the fingerprint for at least one.</summary>
    private static IEnumerable<object?> MutateOption(Type type, object? value)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        if (value is null && underlying is { IsEnum: true })
            return Enum.GetValues(underlying).Cast<object?>();
        if (value is null && underlying == typeof(bool))
            return [false, true];
        if (value is null && underlying == typeof(int))
            return [1, 3, 1000];
        if (value is null && underlying == typeof(double))
            return [0.001, 0.5];
        if (type == typeof(int) || type == typeof(long))
            return [MutateLeaf(type, value), type == typeof(int) ? (object)1 : 0L];
        return [value switch
        {
            null when type == typeof(BackboneOptions) => new BackboneOptions { Model = [1, 2, 3] },
            null when type == typeof(TeacherOptions) => new TeacherOptions { ModelPath = TeacherFile.Value },
            null when type == typeof(MixupOptions) => new MixupOptions(),
            null when type == typeof(string) => "Other",
            null when type == typeof(IProgress<TrainingProgress>) => new Progress<TrainingProgress>(),
            null when type == typeof(Action<string>) => (Action<string>)(_ => { }),
            TrainingDevice device => device == TrainingDevice.Cpu ? TrainingDevice.Auto : TrainingDevice.Cpu,
            CancellationToken => new CancellationTokenSource().Token,
            _ => MutateLeaf(type, value),
        }];
    }

    /// <summary>A teacher graph for the digits (64 features → 10 logits), written once for the option walk.</summary>
    private static readonly Lazy<string> TeacherFile = new(() =>
    {
        var g = new MLNet.SoftTargets.Graphs.GraphBuilder(Onnx.TensorProto.Types.DataType.Float);
        var x = g.AddInput("Features", [MLNet.SoftTargets.Graphs.GraphBuilder.Dynamic, 64]);
        var w = g.AddInitializer("w", Enumerable.Range(0, 640).Select(i => (double)(i % 7) / 7).ToArray(), [64, 10]);
        g.AddOutput(MLNet.SoftTargets.Graphs.Ops.MatMul(g, x, w), "Logits");
        string path = Path.Combine(Path.GetTempPath(), $"fingerprint-teacher-{Environment.ProcessId}.onnx");
        File.WriteAllBytes(path, g.ToBytes());
        return path;
    });

    private static object NextEnumValue(Enum value)
    {
        var values = Enum.GetValues(value.GetType());
        int index = Array.IndexOf(values, value);
        return values.GetValue((index + 1) % values.Length)!;
    }

    /// <summary>A shallow copy through the record's compiler-generated clone method.</summary>
    private static object CloneRecord(object record) =>
        record.GetType().GetMethod("<Clone>$", BindingFlags.Public | BindingFlags.Instance)!.Invoke(record, null)!;
}

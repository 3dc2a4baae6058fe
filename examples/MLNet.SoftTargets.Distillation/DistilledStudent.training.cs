using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets.Distillation;

/// <summary>How every model of the experiment is trained (the head differs).</summary>
/// <param name="Epochs">Passes over the training rows.</param>
/// <param name="Seed">The trainer's seed (initial weights, shuffling).</param>
public sealed record TrainerSettings(int Epochs, int Seed);

/// <summary>
/// Training code in Model Builder's shape: the pipelines as estimators (<c>Build…Pipeline</c>), then <c>Fit</c> and
/// <c>Save</c>. Knowledge distillation (Hinton, Vinyals &amp; Dean 2015, "Distilling the Knowledge in a Neural
/// Network"): a teacher's <c>Score</c> on the training rows, softened with <c>SharpenLabels(T)</c>
/// (<c>p_k^(1/T) / Σ_j p_j^(1/T)</c>, i.e. softmax(logits / T)), is the soft target a student is trained on with
/// <c>SoftTargetCrossEntropy</c> at loss temperature T ("offline targets"). Or in the loop: the student trains on the
/// hard labels with <c>Options.Teacher</c> set to the teacher's network, which scores every training batch
/// (<see cref="InTheLoopTeacher"/>).
/// </summary>
public static partial class DistilledStudent
{
    /// <summary>The soft-target column the trainers read.</summary>
    public const string SoftTargetColumn = "SoftTarget";

    /// <summary>The teacher: MLP 784→512→256→10 (the first layer's input is the feature count).</summary>
    public static readonly int[] TeacherHidden = [512, 256];

    /// <summary>
    /// A teacher: <c>MapValueToKey(Label)</c> → [<c>SmoothLabels(α, Uniform)</c>] → <c>SoftTargetCrossEntropy</c> →
    /// <c>MapKeyToValue(PredictedLabel)</c>. α = 0 trains on the hard labels (no soft-target column).
    /// </summary>
    /// <param name="mlContext">The context.</param>
    /// <param name="classNames">A one-column view of the class names in key order.</param>
    /// <param name="labelSmoothing">α of label smoothing, <c>Uniform</c> convention (PyTorch's <c>label_smoothing</c>); 0 for hard labels.</param>
    /// <param name="settings">Epochs and seed.</param>
    public static IEstimator<ITransformer> BuildTeacherPipeline(MLContext mlContext, IDataView classNames, double labelSmoothing, TrainerSettings settings)
    {
        IEstimator<ITransformer> pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label", "Label", keyData: classNames);
        if (labelSmoothing > 0)
            pipeline = pipeline.Append(mlContext.Transforms.SmoothLabels(labelSmoothing, SoftTargetColumn, "Label", LabelSmoothingKind.Uniform));
        var options = Options(TeacherHidden, labelSmoothing > 0 ? SoftTargetColumn : null, lossTemperature: 1, settings);
        return pipeline
            .Append(mlContext.MulticlassClassification.Trainers.SoftTargetCrossEntropy(options))
            .Append(mlContext.Transforms.Conversion.MapKeyToValue("PredictedLabel", "PredictedLabel"));
    }

    /// <summary>
    /// The distillation targets: the teacher's <c>Score</c> softened at temperature T into <c>SoftTarget</c>; the
    /// teacher's own output columns are dropped so the student's pipeline sees only <c>Features</c>, <c>Label</c>
    /// and <c>SoftTarget</c>.
    /// </summary>
    public static IEstimator<ITransformer> BuildDistillationTargets(MLContext mlContext, double temperature) =>
        mlContext.Transforms.SharpenLabels(temperature, outputColumnName: SoftTargetColumn, inputColumnName: "Score")
            .Append(mlContext.Transforms.DropColumns("Score", "PredictedLabel"));

    /// <summary>
    /// A student: <c>MapValueToKey(Label)</c> → <c>SoftTargetCrossEntropy</c> → <c>MapKeyToValue(PredictedLabel)</c>.
    /// With <paramref name="distillationTemperature"/> it trains on the <c>SoftTarget</c> column (made by
    /// <see cref="DistillationTrainingData"/>) with the loss at that temperature, <c>-Σ_k q_k log softmax(z / T)_k</c>,
    /// as Hinton et al. do; scoring uses softmax(z) (T = 1). Without it, on the hard labels.
    /// </summary>
    /// <param name="mlContext">The context.</param>
    /// <param name="classNames">A one-column view of the class names in key order (the teacher's order).</param>
    /// <param name="hidden">Hidden layer widths; empty for a linear student.</param>
    /// <param name="distillationTemperature">T of the soft targets, or null for a hard-label student.</param>
    /// <param name="settings">Epochs and seed.</param>
    /// <param name="teacher">
    /// A teacher in the loop (<see cref="InTheLoopTeacher"/>), or null: with a hard-label student, each row's loss is
    /// <c>(1 − λ)·CE(one-hot, softmax(z)) + λ·T²·KL(softmax(t / T) ‖ softmax(z / T))</c> on the teacher's logits t.
    /// </param>
    public static IEstimator<ITransformer> BuildStudentPipeline(MLContext mlContext, IDataView classNames, IReadOnlyList<int> hidden,
        double? distillationTemperature, TrainerSettings settings, TeacherOptions? teacher = null)
    {
        var options = Options(hidden, distillationTemperature is null ? null : SoftTargetColumn, distillationTemperature ?? 1, settings) with { Teacher = teacher };
        return mlContext.Transforms.Conversion.MapValueToKey("Label", "Label", keyData: classNames)
            .Append(mlContext.MulticlassClassification.Trainers.SoftTargetCrossEntropy(options))
            .Append(mlContext.Transforms.Conversion.MapKeyToValue("PredictedLabel", "PredictedLabel"));
    }

    /// <summary>
    /// The teacher's <c>Score</c> on the training rows. Only the teacher's network scores them, so the raw <c>Label</c>
    /// text stays visible for the student's <c>MapValueToKey</c>. Cached: ML.NET scores through <c>ApplyOnnxModel</c>
    /// row by row, and every student of this teacher reads the scores.
    /// </summary>
    /// <param name="mlContext">The context.</param>
    /// <param name="teacher">A fitted teacher pipeline (see <see cref="BuildTeacherPipeline"/>).</param>
    /// <param name="train">The training rows (<see cref="ModelInput"/>).</param>
    public static IDataView TeacherScores(MLContext mlContext, ITransformer teacher, IDataView train) =>
        mlContext.Data.Cache(Network(teacher).Transform(train), "Features", "Label", "Score");

    /// <summary>The training rows with the teacher's scores softened at <paramref name="temperature"/> as <c>SoftTarget</c>.</summary>
    /// <param name="mlContext">The context.</param>
    /// <param name="teacherScores">The teacher's scores on the training rows (<see cref="TeacherScores"/>).</param>
    /// <param name="temperature">The distillation temperature T.</param>
    public static IDataView DistillationTrainingData(MLContext mlContext, IDataView teacherScores, double temperature) =>
        BuildDistillationTargets(mlContext, temperature).Fit(teacherScores).Transform(teacherScores);

    /// <summary>
    /// In-the-loop distillation from a fitted teacher pipeline (<see cref="BuildTeacherPipeline"/>): its
    /// <see cref="SoftTargetCrossEntropyModel"/> (the chain's middle, which reads <c>Features</c> — the student's feature
    /// column — and has the label's classes in key order) scores every batch the student trains on, frozen, in an ONNX
    /// Runtime session of its own.
    /// </summary>
    /// <param name="teacher">A fitted teacher pipeline.</param>
    /// <param name="temperature">T of the KL term (the teacher's and the student's softmax).</param>
    /// <param name="weight">λ: the KL term's share; 1 − λ goes to the cross-entropy on the hard labels.</param>
    public static TeacherOptions InTheLoopTeacher(ITransformer teacher, double temperature, double weight) =>
        new() { Model = Network(teacher), Temperature = temperature, Weight = weight };

    /// <summary>The trained network inside a fitted pipeline.</summary>
    public static SoftTargetCrossEntropyModel Network(ITransformer pipeline) =>
        ((IEnumerable<ITransformer>)pipeline).OfType<SoftTargetCrossEntropyModel>().Single();

    /// <summary>Saves a fitted pipeline with the schema of the raw rows (<c>Features</c>, <c>Label</c>), as Model Builder does.</summary>
    public static void SaveModel(MLContext mlContext, ITransformer model, DataViewSchema inputSchema, string path) =>
        mlContext.Model.Save(model, inputSchema, path);

    private static SoftTargetCrossEntropyTrainer.Options Options(IReadOnlyList<int> hidden, string? softTargetColumn, double lossTemperature, TrainerSettings settings) => new()
    {
        LabelColumnName = "Label",
        SoftTargetColumnName = softTargetColumn,
        FeatureColumnName = "Features",
        HiddenLayerSizes = hidden,
        LossTemperature = lossTemperature,
        Optimizer = SoftTargetOptimizer.Adam,
        LearningRate = 1e-3,
        BatchSize = 256,
        Epochs = settings.Epochs,
        Seed = settings.Seed,
        Threads = Environment.ProcessorCount,
        Device = TrainingDevice.Cpu,
        CacheData = true,
    };
}

using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets.Distillation;

/// <summary>A student architecture.</summary>
/// <param name="Name">For the table, e.g. <c>MLP 32</c>.</param>
/// <param name="Hidden">Hidden layer widths; empty for linear.</param>
public sealed record StudentKind(string Name, int[] Hidden);

/// <summary>One trained model measured on the test and held-out rows.</summary>
/// <param name="TrainingSeconds">Wall-clock seconds of <c>Fit</c>.</param>
/// <param name="EpochSeconds">Mean seconds of one epoch, from the model's <c>History</c> (<c>TrainingProgress.EpochSeconds</c>: the epoch's steps only).</param>
public sealed record ModelScore(CalibrationMetrics Test, double HeldOutAccuracy, double TrainingSeconds, double EpochSeconds);

/// <summary>What a teacher's soft targets (its Score on the training rows, softened at T) look like.</summary>
/// <param name="MeanTopProbability">Mean of the largest soft-target entry.</param>
/// <param name="OffClassEntropy">
/// Mean entropy of the soft target restricted to the K−1 classes other than its arg-max (renormalised), divided by
/// ln(K−1): 1 means the wrong classes all get the same mass — no information about which classes look alike.
/// </param>
public sealed record TargetStatistics(double MeanTopProbability, double OffClassEntropy);

/// <summary>A teacher and what it taught.</summary>
/// <param name="Kind">"hard" or "LS α=0.1".</param>
/// <param name="ScoringSeconds">The offline targets' one-off cost: scoring the training rows (and softening them at the main T).</param>
public sealed record TeacherResult(string Kind, ModelScore Score, TargetStatistics Targets, double ScoringSeconds);

/// <summary>
/// A student: taught by <see cref="Teacher"/> (null: trained on the hard labels) at temperature <see cref="Temperature"/>,
/// through the offline targets or, when <see cref="InTheLoopWeight"/> is set, with the teacher in the loop at that λ.
/// </summary>
public sealed record StudentResult(string? Teacher, StudentKind Student, double? Temperature, ModelScore Score, double? InTheLoopWeight = null);

/// <summary>Everything one seed produced.</summary>
public sealed record SeedResult(int Seed, IReadOnlyList<TeacherResult> Teachers, IReadOnlyList<StudentResult> Students, IReadOnlyList<StudentResult> Sweep);

/// <summary>
/// One seed of the experiment: a hard-label teacher and a label-smoothed teacher (MLP 512→256), students (linear,
/// MLP 32) distilled from each at temperature T and trained on the hard labels, and the MLP student's temperature
/// sweep, and the MLP student with each teacher in the loop (λ = 0.9 and 1) on the hard labels; every model measured
/// on the test rows (and the held-out rows, which choose T in the sweep).
/// </summary>
public sealed class DistillationExperiment(MLContext mlContext, DistillationData data, int epochs, double temperature,
    IReadOnlyList<double> sweep, Action<string> log)
{
    public const double LabelSmoothing = 0.1;
    public const string HardTeacher = "hard";
    public static readonly string SmoothedTeacher = $"LS α={LabelSmoothing:0.0#}";
    public static readonly StudentKind Linear = new("linear", []);
    public static readonly StudentKind SmallMlp = new("MLP 32", [32]);
    public static readonly StudentKind[] Students = [Linear, SmallMlp];

    /// <summary>λ of the in-the-loop MLP students: Hinton's mix, and the KL term alone (like the offline targets).</summary>
    public static readonly double[] InTheLoopWeights = [0.9, 1];

    private readonly IDataView _train = data.View(mlContext, data.Train);
    private readonly IDataView _heldOut = data.View(mlContext, data.HeldOut);
    private readonly IDataView _test = data.View(mlContext, data.Test);
    private readonly IDataView _classNames = data.ClassNamesView(mlContext);

    /// <summary>The schema the saved models take as input (<c>Features</c>, <c>Label</c> text).</summary>
    public DataViewSchema InputSchema => _train.Schema;

    /// <summary>
    /// Runs one seed. When <paramref name="saveTo"/> is given, the teachers and the MLP student distilled from the hard
    /// teacher at the main temperature are saved there (<c>teacher-hard.zip</c>, <c>teacher-ls.zip</c>, <c>DistilledStudent.zip</c>).
    /// </summary>
    public SeedResult Run(int seed, string? saveTo)
    {
        var settings = new TrainerSettings(epochs, seed);
        var teachers = new List<TeacherResult>();
        var students = new List<StudentResult>();
        var sweepResults = new List<StudentResult>();

        foreach (var student in Students)
        {
            var (model, score) = Train(DistilledStudent.BuildStudentPipeline(mlContext, _classNames, student.Hidden, null, settings), _train);
            students.Add(new StudentResult(null, student, null, score));
            log($"  student {student.Name,-7} on hard labels        test acc {score.Test.Accuracy:F4}, NLL {score.Test.LogLoss:F4}, ECE {score.Test.ExpectedCalibrationError:F4}  " +
                $"({score.TrainingSeconds:F1} s, {score.EpochSeconds:F2} s/epoch)");
        }

        foreach (var (kind, alpha, file) in new[] { (HardTeacher, 0.0, "teacher-hard.zip"), (SmoothedTeacher, LabelSmoothing, "teacher-ls.zip") })
        {
            var (teacher, teacherScore) = Train(DistilledStudent.BuildTeacherPipeline(mlContext, _classNames, alpha, settings), _train);
            log($"  teacher {kind,-9} MLP {string.Join('→', DistilledStudent.TeacherHidden)}  test acc {teacherScore.Test.Accuracy:F4}, NLL {teacherScore.Test.LogLoss:F4}, " +
                $"ECE {teacherScore.Test.ExpectedCalibrationError:F4}  ({teacherScore.TrainingSeconds:F1} s)");
            if (saveTo is not null)
                DistilledStudent.SaveModel(mlContext, teacher, InputSchema, Path.Combine(saveTo, file));

            // The cached scores fill as Statistics reads them: this clock is the offline path's one-off scoring.
            var clock = Stopwatch.StartNew();
            var teacherScores = DistilledStudent.TeacherScores(mlContext, teacher, _train);
            var targets = Statistics(DistilledStudent.DistillationTrainingData(mlContext, teacherScores, temperature));
            double scoringSeconds = clock.Elapsed.TotalSeconds;
            teachers.Add(new TeacherResult(kind, teacherScore, targets, scoringSeconds));
            log($"    soft targets at T = {temperature:0.##}: mean top probability {targets.MeanTopProbability:F3}, off-class entropy {targets.OffClassEntropy:F3} " +
                $"(scoring the training rows {scoringSeconds:F1} s)");

            foreach (var t in sweep.Contains(temperature) ? sweep : [temperature, .. sweep])
            {
                var distillation = DistilledStudent.DistillationTrainingData(mlContext, teacherScores, t);
                foreach (var student in t == temperature ? Students : [SmallMlp])
                {
                    var (model, score) = Train(DistilledStudent.BuildStudentPipeline(mlContext, _classNames, student.Hidden, t, settings), distillation);
                    var result = new StudentResult(kind, student, t, score);
                    if (t == temperature)
                        students.Add(result);
                    if (student == SmallMlp && sweep.Contains(t))
                        sweepResults.Add(result);
                    log($"    student {student.Name,-7} T = {t,-4:0.##}                test acc {score.Test.Accuracy:F4}, NLL {score.Test.LogLoss:F4}, " +
                        $"ECE {score.Test.ExpectedCalibrationError:F4}, held-out acc {score.HeldOutAccuracy:F4}  ({score.TrainingSeconds:F1} s, {score.EpochSeconds:F2} s/epoch)");
                    if (saveTo is not null && kind == HardTeacher && student == SmallMlp && t == temperature)
                        DistilledStudent.SaveModel(mlContext, model, InputSchema, Path.Combine(saveTo, "DistilledStudent.zip"));
                }
            }

            // The same MLP student on the hard labels with this teacher in the loop: it scores every training batch.
            foreach (double weight in InTheLoopWeights)
            {
                var inTheLoop = DistilledStudent.InTheLoopTeacher(teacher, temperature, weight);
                var (_, score) = Train(DistilledStudent.BuildStudentPipeline(mlContext, _classNames, SmallMlp.Hidden, null, settings, inTheLoop), _train);
                students.Add(new StudentResult(kind, SmallMlp, temperature, score, weight));
                log($"    student {SmallMlp.Name,-7} in the loop, λ = {weight,-4:0.##}  test acc {score.Test.Accuracy:F4}, NLL {score.Test.LogLoss:F4}, " +
                    $"ECE {score.Test.ExpectedCalibrationError:F4}  ({score.TrainingSeconds:F1} s, {score.EpochSeconds:F2} s/epoch)");
            }
        }
        return new SeedResult(seed, teachers, students, sweepResults);
    }

    private (ITransformer Model, ModelScore Score) Train(IEstimator<ITransformer> pipeline, IDataView train)
    {
        var clock = Stopwatch.StartNew();
        var model = pipeline.Fit(train);
        double seconds = clock.Elapsed.TotalSeconds;
        // Scoring goes row by row through ApplyOnnxModel; cache the scored rows so the metrics read them once.
        var test = mlContext.MulticlassClassification.EvaluateCalibration(mlContext.Data.Cache(model.Transform(_test)));
        var heldOut = mlContext.MulticlassClassification.EvaluateCalibration(mlContext.Data.Cache(model.Transform(_heldOut)));
        double epochSeconds = DistilledStudent.Network(model).History.Average(h => h.EpochSeconds);
        return (model, new ModelScore(test, heldOut.Accuracy, seconds, epochSeconds));
    }

    private static TargetStatistics Statistics(IDataView distillation)
    {
        double top = 0, offEntropy = 0;
        long rows = 0;
        foreach (var buffer in distillation.GetColumn<VBuffer<float>>(DistilledStudent.SoftTargetColumn))
        {
            var q = buffer.DenseValues().ToArray();
            int arg = Array.IndexOf(q, q.Max());
            double rest = 1 - q[arg], entropy = 0;
            for (int k = 0; k < q.Length; k++)
            {
                if (k == arg || q[k] <= 0 || rest <= 0)
                    continue;
                double p = q[k] / rest;
                entropy -= p * Math.Log(p);
            }
            top += q[arg];
            offEntropy += entropy / Math.Log(q.Length - 1);
            rows++;
        }
        return new TargetStatistics(top / rows, offEntropy / rows);
    }
}

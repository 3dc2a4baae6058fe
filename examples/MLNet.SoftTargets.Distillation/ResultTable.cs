using System.Globalization;
using System.Text;

namespace MLNet.SoftTargets.Distillation;

/// <summary>
/// The markdown tables: teachers, students, the paired teacher comparison, the temperature sweep, and the teacher in
/// the loop against the offline targets; means ± standard deviations over seeds.
/// </summary>
public static class ResultTable
{
    /// <summary>Teachers: test metrics and what their soft targets look like.</summary>
    public static string Teachers(IReadOnlyList<SeedResult> seeds, double temperature)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"| teacher (MLP {string.Join('→', DistilledStudent.TeacherHidden)}) | test acc | NLL | ECE | soft target at T={temperature:0.##}: mean top p | off-class entropy | train s |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (string kind in seeds[0].Teachers.Select(t => t.Kind))
        {
            var runs = seeds.Select(s => s.Teachers.Single(t => t.Kind == kind)).ToArray();
            sb.AppendLine($"| {kind} | {Stat(runs.Select(r => r.Score.Test.Accuracy))} | {Stat(runs.Select(r => r.Score.Test.LogLoss))} | " +
                          $"{Stat(runs.Select(r => r.Score.Test.ExpectedCalibrationError))} | {Stat(runs.Select(r => r.Targets.MeanTopProbability), "F3")} | " +
                          $"{Stat(runs.Select(r => r.Targets.OffClassEntropy), "F3")} | {Stat(runs.Select(r => r.Score.TrainingSeconds), "F1")} |");
        }
        return sb.ToString();
    }

    /// <summary>One row per (teacher, student): teacher and student test metrics and the gain over the hard-label twin.</summary>
    public static string Students(IReadOnlyList<SeedResult> seeds, double temperature)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| teacher | teacher test acc | student | targets | student test acc | NLL | ECE | gain over hard-label twin |");
        sb.AppendLine("|---|---:|---|---|---:|---:|---:|---:|");
        foreach (var student in DistillationExperiment.Students)
        {
            var twins = seeds.Select(s => Student(s, null, student)).ToArray();
            sb.AppendLine($"| — | — | {student.Name} | hard labels | {Stat(twins.Select(t => t.Score.Test.Accuracy))} | {Stat(twins.Select(t => t.Score.Test.LogLoss))} | " +
                          $"{Stat(twins.Select(t => t.Score.Test.ExpectedCalibrationError))} | — |");
            foreach (string teacher in seeds[0].Teachers.Select(t => t.Kind))
            {
                var teacherAcc = seeds.Select(s => s.Teachers.Single(t => t.Kind == teacher).Score.Test.Accuracy);
                var runs = seeds.Select(s => Student(s, teacher, student)).ToArray();
                sb.AppendLine(CultureInfo.InvariantCulture,
                    $"| {teacher} | {Stat(teacherAcc)} | {student.Name} | distilled, T={temperature:0.##} | {Stat(runs.Select(r => r.Score.Test.Accuracy))} | " +
                    $"{Stat(runs.Select(r => r.Score.Test.LogLoss))} | {Stat(runs.Select(r => r.Score.Test.ExpectedCalibrationError))} | " +
                    $"{Stat(seeds.Select(s => Gain(s, teacher, student)), "+0.0000;-0.0000")} |");
                if (student != DistillationExperiment.SmallMlp)
                    continue;
                foreach (double weight in DistillationExperiment.InTheLoopWeights)
                {
                    var loop = seeds.Select(s => InTheLoop(s, teacher, weight)).ToArray();
                    sb.AppendLine(CultureInfo.InvariantCulture,
                        $"| {teacher} | {Stat(teacherAcc)} | {student.Name} | {InTheLoopTargets(temperature, weight)} | {Stat(loop.Select(r => r.Score.Test.Accuracy))} | " +
                        $"{Stat(loop.Select(r => r.Score.Test.LogLoss))} | {Stat(loop.Select(r => r.Score.Test.ExpectedCalibrationError))} | " +
                        $"{Stat(seeds.Zip(loop, (s, r) => r.Score.Test.Accuracy - Student(s, null, student).Score.Test.Accuracy), "+0.0000;-0.0000")} |");
                }
            }
        }
        return sb.ToString();
    }

    /// <summary>
    /// The claim, per student: (gain from the hard teacher) − (gain from the LS teacher), per seed. Positive = the LS
    /// teacher distils worse. "outside noise" when |mean| &gt; 2 standard errors over at least 3 seeds.
    /// </summary>
    public static string Claim(IReadOnlyList<SeedResult> seeds, double temperature)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| student | student test acc from hard teacher − from LS teacher, per seed | mean | standard error | reading |");
        sb.AppendLine("|---|---|---:|---:|---|");
        void Row(string name, double[] d) =>
            sb.AppendLine($"| {name} | {string.Join(", ", d.Select(v => v.ToString("+0.0000;-0.0000", CultureInfo.InvariantCulture)))} | " +
                          $"{d.Average().ToString("+0.0000;-0.0000", CultureInfo.InvariantCulture)} | {StandardError(d)} | {Reading(d)} |");
        foreach (var student in DistillationExperiment.Students)
        {
            Row(string.Create(CultureInfo.InvariantCulture, $"{student.Name}, T={temperature:0.##}"),
                seeds.Select(s => Gain(s, DistillationExperiment.HardTeacher, student) - Gain(s, DistillationExperiment.SmoothedTeacher, student)).ToArray());
        }
        // Müller et al. compare each teacher at its best temperature: here, the T the held-out rows choose per seed.
        if (seeds[0].Sweep.Count > 0)
        {
            Row($"{DistillationExperiment.SmallMlp.Name}, each teacher at the T chosen on held-out",
                seeds.Select(s => Chosen(s, DistillationExperiment.HardTeacher).Score.Test.Accuracy - Chosen(s, DistillationExperiment.SmoothedTeacher).Score.Test.Accuracy).ToArray());
        }
        return sb.ToString();
    }

    /// <summary>The MLP student's test accuracy by temperature for each teacher, and at the T the held-out rows choose.</summary>
    public static string Sweep(IReadOnlyList<SeedResult> seeds, IReadOnlyList<double> temperatures)
    {
        var sb = new StringBuilder();
        string student = DistillationExperiment.SmallMlp.Name;
        sb.AppendLine($"| teacher | {string.Join(" | ", temperatures.Select(t => $"{student} test acc, T={t:0.##}"))} | T chosen on held-out | test acc at chosen T | gain over hard-label twin |");
        sb.AppendLine($"|---|{string.Concat(temperatures.Select(_ => "---:|"))}---|---:|---:|");
        foreach (string teacher in seeds[0].Teachers.Select(t => t.Kind))
        {
            var cells = temperatures.Select(t => Stat(seeds.Select(s => s.Sweep.Single(r => r.Teacher == teacher && r.Temperature == t).Score.Test.Accuracy)));
            var chosen = seeds.Select(s => Chosen(s, teacher)).ToArray();
            var gains = seeds.Zip(chosen, (s, c) => c.Score.Test.Accuracy - Student(s, null, DistillationExperiment.SmallMlp).Score.Test.Accuracy);
            sb.AppendLine($"| {teacher} | {string.Join(" | ", cells)} | {string.Join(", ", chosen.Select(c => c.Temperature!.Value.ToString("0.##", CultureInfo.InvariantCulture)))} | " +
                          $"{Stat(chosen.Select(c => c.Score.Test.Accuracy))} | {Stat(gains, "+0.0000;-0.0000")} |");
        }
        return sb.ToString();
    }

    /// <summary>
    /// The MLP student with each teacher in the loop against the same student on the offline targets (and the
    /// hard-label twin): test metrics and what each costs in time, the offline path's one-off scoring of the training
    /// rows counted on its side (the teacher's own training is the same for both and counted on neither).
    /// </summary>
    public static string InTheLoop(IReadOnlyList<SeedResult> seeds, double temperature)
    {
        var student = DistillationExperiment.SmallMlp;
        var sb = new StringBuilder();
        sb.AppendLine($"| teacher | {student.Name} student's targets | test acc | NLL | ECE | gain over hard-label twin | train s | + scoring the training rows, s | total s | s / epoch |");
        sb.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        void Row(string teacher, string targets, StudentResult[] runs, double[]? scoring, string gain)
        {
            var total = scoring is null ? runs.Select(r => r.Score.TrainingSeconds) : runs.Zip(scoring, (r, t) => r.Score.TrainingSeconds + t);
            sb.AppendLine($"| {teacher} | {targets} | {Stat(runs.Select(r => r.Score.Test.Accuracy))} | {Stat(runs.Select(r => r.Score.Test.LogLoss))} | " +
                          $"{Stat(runs.Select(r => r.Score.Test.ExpectedCalibrationError))} | {gain} | {Stat(runs.Select(r => r.Score.TrainingSeconds), "F1")} | " +
                          $"{(scoring is null ? "—" : Stat(scoring, "F1"))} | {Stat(total, "F1")} | {Stat(runs.Select(r => r.Score.EpochSeconds), "F2")} |");
        }
        var twins = seeds.Select(s => Student(s, null, student)).ToArray();
        Row("—", "hard labels, no teacher", twins, null, "—");
        foreach (string teacher in seeds[0].Teachers.Select(t => t.Kind))
        {
            var scoring = seeds.Select(s => s.Teachers.Single(t => t.Kind == teacher).ScoringSeconds).ToArray();
            Row(teacher, string.Create(CultureInfo.InvariantCulture, $"offline, SharpenLabels(T={temperature:0.##})"), seeds.Select(s => Student(s, teacher, student)).ToArray(), scoring,
                Stat(seeds.Select(s => Gain(s, teacher, student)), "+0.0000;-0.0000"));
            foreach (double weight in DistillationExperiment.InTheLoopWeights)
            {
                var loop = seeds.Select(s => InTheLoop(s, teacher, weight)).ToArray();
                Row(teacher, InTheLoopTargets(temperature, weight), loop, null,
                    Stat(loop.Zip(twins, (r, t) => r.Score.Test.Accuracy - t.Score.Test.Accuracy), "+0.0000;-0.0000"));
            }
        }
        return sb.ToString();
    }

    /// <summary>
    /// Per teacher and λ, paired by seed: the in-the-loop student minus the offline-targets student (test accuracy per
    /// seed, with the standard error and a reading; NLL, ECE), and the time ratios.
    /// </summary>
    public static string InTheLoopDifference(IReadOnlyList<SeedResult> seeds)
    {
        var student = DistillationExperiment.SmallMlp;
        var sb = new StringBuilder();
        sb.AppendLine("| teacher | λ | test acc, in the loop − offline, per seed | mean | standard error | reading | NLL, in the loop − offline | ECE, in the loop − offline | " +
                      "total time, in the loop ÷ offline with its scoring | s / epoch, in the loop ÷ hard-label twin |");
        sb.AppendLine("|---|---:|---|---:|---:|---|---:|---:|---:|---:|");
        foreach (string teacher in seeds[0].Teachers.Select(t => t.Kind))
        {
            foreach (double weight in DistillationExperiment.InTheLoopWeights)
            {
                var loop = seeds.Select(s => InTheLoop(s, teacher, weight).Score).ToArray();
                var offline = seeds.Select(s => Student(s, teacher, student).Score).ToArray();
                double[] accuracy = loop.Zip(offline, (l, o) => l.Test.Accuracy - o.Test.Accuracy).ToArray();
                var timeRatio = seeds.Select((s, i) => loop[i].TrainingSeconds / (offline[i].TrainingSeconds + s.Teachers.Single(t => t.Kind == teacher).ScoringSeconds));
                var epochRatio = seeds.Select((s, i) => loop[i].EpochSeconds / Student(s, null, student).Score.EpochSeconds);
                sb.AppendLine(CultureInfo.InvariantCulture,
                    $"| {teacher} | {weight:0.##} | {string.Join(", ", accuracy.Select(v => v.ToString("+0.0000;-0.0000", CultureInfo.InvariantCulture)))} | " +
                    $"{accuracy.Average().ToString("+0.0000;-0.0000", CultureInfo.InvariantCulture)} | {StandardError(accuracy)} | " +
                    $"{Reading(accuracy, "in the loop better", "in the loop worse")} | " +
                    $"{Stat(loop.Zip(offline, (l, o) => l.Test.LogLoss - o.Test.LogLoss), "+0.0000;-0.0000")} | " +
                    $"{Stat(loop.Zip(offline, (l, o) => l.Test.ExpectedCalibrationError - o.Test.ExpectedCalibrationError), "+0.0000;-0.0000")} | " +
                    $"{Stat(timeRatio, "F2")} | {Stat(epochRatio, "F2")} |");
            }
        }
        return sb.ToString();
    }

    public const string Legend =
        """
        - All numbers on the test rows; ± is the standard deviation over seeds (the data split is fixed, the trainer seed —
          initial weights and shuffling — changes). ECE with 15 equal-width confidence bins; NLL = mean −ln p(true class).
        - **gain over hard-label twin**: student test accuracy minus that of the same student, same seed, trained on the hard labels.
        - **mean top p / off-class entropy**: of the soft targets the students were trained on (teacher Score on the
          training rows, SharpenLabels(T)); off-class entropy = entropy of the target over the K−1 non-arg-max classes,
          renormalised, ÷ ln(K−1) — 1 means every wrong class gets the same mass (no "which classes look alike" information).
        - **reading**: "outside noise" when |mean| > 2 standard errors (needs ≥ 3 seeds), else "within noise".
        - **teacher in the loop, λ**: the MLP student on the hard labels with `Options.Teacher` = the teacher's network,
          which scores every training batch; loss (1 − λ)·CE(one-hot, softmax(z)) + λ·T²·KL(softmax(t/T) ‖ softmax(z/T)).
          λ = 1 is the soft term alone, as the offline targets are.
        - **train s**: wall-clock seconds of `Fit`; **+ scoring**: the offline targets' one-off cost, the teacher scoring
          the training rows (teacher training is the same for both paths and counted on neither); **s / epoch**: mean
          `TrainingProgress.EpochSeconds` of the model's `History` (the epoch's steps, with the teacher's batches when it
          is in the loop).
        """;

    /// <summary>The sweep's MLP student with the best held-out accuracy (the lower T on a tie).</summary>
    private static StudentResult Chosen(SeedResult seed, string teacher) =>
        seed.Sweep.Where(r => r.Teacher == teacher).OrderBy(r => r.Temperature).MaxBy(r => r.Score.HeldOutAccuracy)!;

    /// <summary>The student trained on the hard labels (teacher null) or on the offline targets of <paramref name="teacher"/>.</summary>
    private static StudentResult Student(SeedResult seed, string? teacher, StudentKind student) =>
        seed.Students.Single(r => r.Teacher == teacher && r.Student == student && r.InTheLoopWeight is null);

    /// <summary>The MLP student with <paramref name="teacher"/> in the loop at λ = <paramref name="weight"/>.</summary>
    private static StudentResult InTheLoop(SeedResult seed, string teacher, double weight) =>
        seed.Students.Single(r => r.Teacher == teacher && r.Student == DistillationExperiment.SmallMlp && r.InTheLoopWeight == weight);

    private static string InTheLoopTargets(double temperature, double weight) =>
        string.Create(CultureInfo.InvariantCulture, $"teacher in the loop, T={temperature:0.##}, λ={weight:0.##}");

    private static double Gain(SeedResult seed, string teacher, StudentKind student) =>
        Student(seed, teacher, student).Score.Test.Accuracy - Student(seed, null, student).Score.Test.Accuracy;

    private static string Stat(IEnumerable<double> values, string format = "F4")
    {
        double[] v = values.ToArray();
        string mean = v.Average().ToString(format, CultureInfo.InvariantCulture);
        if (v.Length < 2)
            return mean;
        return $"{mean} ± {StandardDeviation(v).ToString(format.Replace("+", "", StringComparison.Ordinal).Split(';')[0], CultureInfo.InvariantCulture)}";
    }

    private static double StandardDeviation(double[] v)
    {
        double mean = v.Average();
        return Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1));
    }

    private static string StandardError(double[] v) =>
        v.Length < 2 ? "—" : (StandardDeviation(v) / Math.Sqrt(v.Length)).ToString("F4", CultureInfo.InvariantCulture);

    private static string Reading(double[] v, string positive = "LS teacher distils worse", string negative = "LS teacher distils better")
    {
        if (v.Length < 3)
            return "too few seeds to tell";
        double se = StandardDeviation(v) / Math.Sqrt(v.Length);
        string direction = v.Average() > 0 ? positive : negative;
        return Math.Abs(v.Average()) > 2 * se ? $"outside noise: {direction}" : "within noise";
    }
}

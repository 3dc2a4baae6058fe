using System.Globalization;
using System.Text;

namespace MLNet.SoftTargets.Distillation;

/// <summary>The markdown tables: teachers, students, the paired teacher comparison and the temperature sweep; means ± standard deviations over seeds.</summary>
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

    public const string Legend =
        """
        - All numbers on the test rows; ± is the standard deviation over seeds (the data split is fixed, the trainer seed —
          initial weights and shuffling — changes). ECE with 15 equal-width confidence bins; NLL = mean −ln p(true class).
        - **gain over hard-label twin**: student test accuracy minus that of the same student, same seed, trained on the hard labels.
        - **mean top p / off-class entropy**: of the soft targets the students were trained on (teacher Score on the
          training rows, SharpenLabels(T)); off-class entropy = entropy of the target over the K−1 non-arg-max classes,
          renormalised, ÷ ln(K−1) — 1 means every wrong class gets the same mass (no "which classes look alike" information).
        - **reading**: "outside noise" when |mean| > 2 standard errors (needs ≥ 3 seeds), else "within noise".
        """;

    /// <summary>The sweep's MLP student with the best held-out accuracy (the lower T on a tie).</summary>
    private static StudentResult Chosen(SeedResult seed, string teacher) =>
        seed.Sweep.Where(r => r.Teacher == teacher).OrderBy(r => r.Temperature).MaxBy(r => r.Score.HeldOutAccuracy)!;

    private static StudentResult Student(SeedResult seed, string? teacher, StudentKind student) =>
        seed.Students.Single(r => r.Teacher == teacher && r.Student == student);

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

    private static string Reading(double[] v)
    {
        if (v.Length < 3)
            return "too few seeds to tell";
        double se = StandardDeviation(v) / Math.Sqrt(v.Length);
        string direction = v.Average() > 0 ? "LS teacher distils worse" : "LS teacher distils better";
        return Math.Abs(v.Average()) > 2 * se ? $"outside noise: {direction}" : "within noise";
    }
}

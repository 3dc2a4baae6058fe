using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using MLNet.SoftTargets.Datasets;
using MLNet.SoftTargets.Examples;
using MLNet.SoftTargets.Plots;

namespace MLNet.SoftTargets.Distillation;

/// <summary>
/// Does a teacher trained with label smoothing make a worse teacher for distillation (Müller, Kornblith &amp; Hinton
/// 2019)? A hard-label and a label-smoothed MLP teacher, students distilled from each through
/// <c>SharpenLabels(T)</c> on the teacher's <c>Score</c>, the MLP student with each teacher in the loop
/// (<c>Options.Teacher</c>), the same students on hard labels; then the saved student
/// is loaded back and used the Model Builder way, <c>DistilledStudent.Predict(input)</c>.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        if (!CommandLineHost.TryParse(DistillationArguments.Command(), args, DistillationArguments.From, out var arguments, out int exitCode))
            return exitCode;

        var total = Stopwatch.StartNew();
        DistillationData data;
        try
        {
            data = LoadData(arguments);
        }
        catch (FileNotFoundException e)
        {
            // Only --data can point at a folder without the files (the default search checks them first).
            Console.Error.WriteLine($"error: --data: {e.Message}");
            return 2;
        }
        catch (InvalidDataException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }

        string output = Path.GetFullPath(arguments.OutputDirectory);
        try
        {
            Directory.CreateDirectory(output);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: --out: cannot create '{output}': {e.Message}");
            return 2;
        }

        double temperature = arguments.Temperature;
        int epochs = arguments.Epochs ?? (arguments.Quick ? 2 : data.DefaultEpochs);
        var sweep = arguments.EffectiveSweep;
        var seeds = Enumerable.Range(42, arguments.EffectiveSeeds).ToArray();
        string header =
            $"- data: {data.Description}\n" +
            $"- teachers: MLP {string.Join('→', DistilledStudent.TeacherHidden)} on hard labels, and with SmoothLabels(α = {DistillationExperiment.LabelSmoothing}, Uniform)\n" +
            $"- students: linear and MLP 32; distilled = SharpenLabels(T = {temperature:0.##}) on the teacher's Score over the training rows, " +
            $"SoftTargetCrossEntropy with LossTemperature = T (Hinton 2015; scores at T = 1); twins trained on the hard labels\n" +
            $"- in the loop: the MLP 32 student on the hard labels with Options.Teacher = each teacher's network (T = {temperature:0.##}, " +
            $"λ = {string.Join(" and ", DistillationExperiment.InTheLoopWeights.Select(w => w.ToString("0.##", CultureInfo.InvariantCulture)))}), scoring every training batch\n" +
            $"- every model: SoftTargetCrossEntropy, CPU (ONNX Runtime), Adam lr 1e-3, batch 256, {epochs} epochs, {Environment.ProcessorCount} threads, " +
            $"training set cached; trainer seeds {string.Join(", ", seeds)}\n" +
            (sweep.Count > 0 ? $"- sweep: the MLP 32 student at T = {string.Join(", ", sweep.Select(t => t.ToString("0.##", CultureInfo.InvariantCulture)))}, T chosen per seed by held-out accuracy\n" : "");
        Console.WriteLine("# Distillation: does a label-smoothed teacher teach worse?");
        Console.WriteLine();
        Console.Write(header);
        Console.WriteLine($"- output: {output}");

        var mlContext = new MLContext(seed: 42);
        var experiment = new DistillationExperiment(mlContext, data, epochs, temperature, sweep, Console.WriteLine);
        var results = new List<SeedResult>();
        foreach (int seed in seeds)
        {
            Console.WriteLine();
            Console.WriteLine($"## seed {seed}");
            results.Add(experiment.Run(seed, saveTo: seed == seeds[0] ? output : null));
        }

        string report =
            "## Teachers\n\n" + ResultTable.Teachers(results, temperature) +
            "\n## Students\n\n" + ResultTable.Students(results, temperature) +
            "\n## The claim: does the LS teacher distil worse?\n\n" + ResultTable.Claim(results, temperature) +
            (sweep.Count > 0 ? "\n## Temperature sweep (MLP 32 student)\n\n" + ResultTable.Sweep(results, sweep) : "") +
            "\n## Teacher in the loop vs offline targets (MLP 32 student)\n\n" + ResultTable.InTheLoop(results, temperature) +
            "\n" + ResultTable.InTheLoopDifference(results) +
            "\n" + ResultTable.Legend;
        Console.WriteLine();
        Console.WriteLine(report);

        string picture = Path.Combine(output, "reliability-students.png");
        SavePicture(results[0], data, picture);
        File.WriteAllText(Path.Combine(output, "results.md"),
            $"# Distillation experiment\n\n{header}- {DateTime.Now:yyyy-MM-dd HH:mm}, {Environment.ProcessorCount} threads, {total.Elapsed.TotalSeconds:F0} s\n\n{report}");
        Console.WriteLine($"results.md, {Path.GetFileName(picture)}, teacher-hard.zip, teacher-ls.zip and DistilledStudent.zip (seed {seeds[0]}) written to {output}");

        Console.WriteLine();
        DemonstratePredict(data, Path.Combine(output, "DistilledStudent.zip"));
        Console.WriteLine();
        Console.WriteLine($"total time {total.Elapsed.TotalSeconds:F0} s");
        return 0;
    }

    private static DistillationData LoadData(DistillationArguments arguments)
    {
        int trainRows = arguments.Quick ? 5_000 : DistillationData.FashionTrainRows;
        if (arguments.DataDirectory is { } directory)
            return DistillationData.FashionMnistFrom(directory, trainRows);
        if (!arguments.UseDigits && FashionMnist.TryFindDefault() is { } found)
            return DistillationData.FashionMnistFrom(found, trainRows);
        if (!arguments.UseDigits)
            Console.WriteLine($"(Fashion-MNIST not found in {FashionMnist.DefaultDirectory}; using the embedded digits. apt-get install dataset-fashion-mnist, or --data DIR.)");
        return DistillationData.Digits();
    }

    /// <summary>Reliability diagrams of the first seed's teachers and MLP students, side by side.</summary>
    private static void SavePicture(SeedResult seed, DistillationData data, string path)
    {
        var panels = new List<(string, CalibrationMetrics)>();
        foreach (var teacher in seed.Teachers)
            panels.Add(($"teacher, {teacher.Kind}", teacher.Score.Test));
        foreach (var student in seed.Students.Where(s => s.Student == DistillationExperiment.SmallMlp && s.InTheLoopWeight is null))
            panels.Add((student.Teacher is null ? "MLP 32, hard labels" : $"MLP 32 from {student.Teacher} teacher", student.Score.Test));
        CalibrationPlots.SaveReliabilityComparison(panels, path, $"Teachers and MLP 32 students on the {data.ShortName} test rows (seed {seed.Seed})");
    }

    /// <summary>Model Builder's consumption path: load the saved student zip and predict three test rows.</summary>
    private static void DemonstratePredict(DistillationData data, string modelPath)
    {
        DistilledStudent.MLNetModelPath = modelPath;
        Console.WriteLine($"## DistilledStudent.Predict (loaded from {Path.GetFileName(modelPath)})");
        Console.WriteLine();
        for (int row = 0; row < 3; row++)
        {
            var input = data.Input(data.Test, row);
            string truth = input.Label;
            input.Label = "";   // as a caller would: the label is what we want to know
            var output = DistilledStudent.Predict(input);
            string top = string.Join(", ", DistilledStudent.GetSortedScoresWithLabels(output).Take(3).Select(c => $"{c.Key} {c.Value:F3}"));
            Console.WriteLine($"test row {row}: true {truth,-12} predicted {output.PredictedLabel,-12} top 3: {top}");
        }
    }
}

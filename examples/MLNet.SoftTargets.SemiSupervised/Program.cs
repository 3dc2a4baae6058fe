using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.SoftTargets.Examples;
using static MLNet.SoftTargets.SemiSupervised.SemiSupervisedModel;

namespace MLNet.SoftTargets.SemiSupervised;

/// <summary>
/// Semi-supervised learning with MixMatch-style pseudo-labels: a few labelled rows and many unlabelled ones; a
/// labelled-only baseline, then rounds of "score the unlabelled rows, sharpen with SharpenLabels(0.5), retrain on
/// labelled + pseudo-labelled rows". Prints a table per seed and a verdict, saves the model chosen on the validation
/// split and predicts three test rows with the Model Builder-style consumption code.
/// </summary>
public static class Program
{
    private const int DigitsEpochs = 30;
    private const int FashionEpochs = 3;
    private static readonly int[] Hidden = [64];
    private static readonly int[] DigitsSeeds = [42, 43, 44, 45, 46];
    private static readonly int[] FashionSeeds = [42, 43, 44];

    public static int Main(string[] args)
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        var total = Stopwatch.StartNew();
        if (!CommandLineHost.TryParse(SemiSupervisedArguments.Command(), args, SemiSupervisedArguments.From, out var arguments, out int exitCode))
            return exitCode;

        SemiSupervisedData data;
        try
        {
            data = arguments.FashionDirectory is { } folder ? SemiSupervisedData.FashionMnistFrom(folder) : SemiSupervisedData.Digits();
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }

        bool digits = arguments.FashionDirectory is null;
        int epochs = arguments.Epochs ?? (digits ? DigitsEpochs : FashionEpochs);
        var seeds = arguments.Seeds ?? (digits ? DigitsSeeds : FashionSeeds);
        var training = new TrainingSettings(Hidden, arguments.BatchSize, LearningRate: 1e-3);
        string modelPath = Path.GetFullPath(arguments.ModelPath ?? MLNetModelPath);
        try
        {
            // Fail before training, not after, when the model cannot be written there.
            if (Directory.Exists(modelPath))
                throw new IOException($"'{modelPath}' is a folder; give a file name such as model.zip");
            Directory.CreateDirectory(Path.GetDirectoryName(modelPath)!);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: --model: cannot write the model to '{modelPath}': {e.Message}");
            return 2;
        }

        SeedResult? first = null;
        var results = new List<SeedResult>();
        try
        {
            // Check the split once up front so a bad --labelled-per-class is an argument error, not a crash mid-run.
            var probe = data.SplitLabelled(arguments.LabelledPerClass, seeds[0], arguments.MaxUnlabelled);
            int baselineEpochs = arguments.BaselineEpochs ?? SameSteps(epochs, probe, arguments.BatchSize);
            var settings = new ExperimentSettings(arguments.Rounds, arguments.LabelledPerClass, epochs, baselineEpochs, arguments.Temperature,
                arguments.Threshold, arguments.FineTune, arguments.MaxUnlabelled, training);
            PrintHeader(data, arguments, settings, probe, seeds);

            var experiment = new PseudoLabelExperiment(data, settings, Console.WriteLine);
            foreach (int seed in seeds)
            {
                var result = experiment.Run(seed);
                first ??= result;
                results.Add(result);
                Console.WriteLine();
                Console.WriteLine($"## Seed {seed}");
                Console.WriteLine();
                Console.WriteLine(ResultTable.Rounds(result));
            }
            Console.WriteLine(ResultTable.Legend);
            Console.WriteLine();
            if (results.Count > 1)
            {
                Console.WriteLine("## All seeds");
                Console.WriteLine();
                Console.WriteLine(ResultTable.Seeds(results));
            }
            Console.WriteLine(ResultTable.Verdict(results));
        }
        catch (ArgumentOutOfRangeException e) when (e.ParamName == "perClass")
        {
            Console.Error.WriteLine($"error: {e.Message.Split(" (Parameter")[0]}");
            return 2;
        }

        // Model Builder-style: save the chosen model, then predict through the consumption code, which loads the zip.
        var chosen = first!.BestOnValidation;
        var ml = new MLContext(seed: first.Seed);
        var shown = data.Inputs(data.Test).Take(3).ToArray();
        var inputs = LoadInputs(ml, shown, data.FeatureCount);
        var labelKey = FitLabelKey(ml, data.ClassNames, inputs);
        SaveModel(ml, labelKey, chosen.Model, inputs, modelPath);
        Console.WriteLine();
        Console.WriteLine($"Saved round {chosen.Round} of seed {first.Seed} (best validation accuracy, {chosen.Validation.Accuracy:F4}) to {modelPath}.");
        Console.WriteLine("Predict(ModelInput) with the saved model (loaded by stock ML.NET), first three test rows:");
        MLNetModelPath = modelPath;
        Reload();
        var inMemory = chosen.Model.Transform(labelKey.Transform(inputs)).GetColumn<VBuffer<float>>("Score").Select(v => v.DenseValues().ToArray()).ToArray();
        double largestDifference = 0;
        for (int i = 0; i < shown.Length; i++)
        {
            var output = Predict(shown[i]);
            largestDifference = Math.Max(largestDifference, output.Score.Zip(inMemory[i], (a, b) => Math.Abs(a - b)).Max());
            Console.WriteLine($"  true {shown[i].Label,-12} predicted {output.PredictedLabel,-12} confidence {output.Score.Max():F3}");
        }
        Console.WriteLine($"  (largest difference from the in-memory model's scores: {largestDifference:G2})");
        Console.WriteLine();
        Console.WriteLine($"total time {total.Elapsed.TotalSeconds:F0} s");
        return 0;
    }

    /// <summary>Baseline epochs that make as many Adam steps as one round's <paramref name="epochs"/> over all training rows.</summary>
    private static int SameSteps(int epochs, LabelledSplit split, int batch)
    {
        long roundSteps = (long)epochs * Ceiling(split.Labelled.Length + split.Unlabelled.Length, batch);
        return (int)Math.Min(100_000, Ceiling(roundSteps, Ceiling(split.Labelled.Length, batch)));
    }

    private static long Ceiling(long a, long b) => (a + b - 1) / b;

    private static void PrintHeader(SemiSupervisedData data, SemiSupervisedArguments arguments, ExperimentSettings settings, LabelledSplit split, IReadOnlyList<int> seeds)
    {
        Console.WriteLine("# Semi-supervised learning with pseudo-labels (MixMatch-style sharpening)");
        Console.WriteLine();
        Console.WriteLine($"- data: {data.Description}");
        Console.WriteLine($"- labelled: {settings.LabelledPerClass} training rows per class ({split.Labelled.Length}); unlabelled: {split.Unlabelled.Length} " +
                          "(labels hidden: the label key is missing)");
        Console.WriteLine($"- model: SoftTargetCrossEntropy, MLP {data.FeatureCount}→{string.Join('→', settings.Training.Hidden)}→{data.ClassCount}, " +
                          $"Adam lr {settings.Training.LearningRate:0.####}, batch {settings.Training.BatchSize}, CPU, {Environment.ProcessorCount} threads, CacheData, " +
                          $"seed{(seeds.Count > 1 ? "s" : "")} {string.Join(", ", seeds)}");
        Console.WriteLine($"- baseline: labelled rows only, one-hot targets, {settings.BaselineEpochs} epochs" +
                          (arguments.BaselineEpochs is null ? " (as many steps as one round)" : ""));
        Console.WriteLine($"- rounds: {settings.Rounds} × {(settings.FineTune ? "fine-tune the previous model" : "a fresh model")}, {settings.Epochs} epochs, " +
                          $"on labelled (one-hot) + unlabelled rows (previous model's Score → SharpenLabels(T = {settings.Temperature:0.###})), " +
                          (settings.Threshold > 0 ? $"unlabelled rows with top-1 confidence < {settings.Threshold:0.###} left out" : "no confidence threshold"));
        Console.WriteLine();
    }
}

using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using static MLNet.SoftTargets.SemiSupervised.SemiSupervisedModel;

namespace MLNet.SoftTargets.SemiSupervised;

/// <summary>What the experiment varies; see <see cref="SemiSupervisedArguments"/> for the defaults.</summary>
/// <param name="Rounds">Pseudo-labelling rounds after the labelled-only baseline.</param>
/// <param name="LabelledPerClass">Training rows per class that keep their labels.</param>
/// <param name="Epochs">Epochs of each round's training run (over labelled + pseudo-labelled rows).</param>
/// <param name="BaselineEpochs">Epochs of the labelled-only baseline.</param>
/// <param name="Temperature">Sharpening temperature T of the pseudo-labels (MixMatch: 0.5).</param>
/// <param name="Threshold">Unlabelled rows whose top-1 confidence is below this are left out of the round (0: none).</param>
/// <param name="FineTune">Continue from the previous round's weights instead of training a fresh model.</param>
/// <param name="MaxUnlabelled">At most this many unlabelled rows (null: the rest of the training split).</param>
/// <param name="Training">Model and optimizer settings.</param>
public sealed record ExperimentSettings(int Rounds, int LabelledPerClass, int Epochs, int BaselineEpochs, double Temperature, double Threshold,
    bool FineTune, int? MaxUnlabelled, TrainingSettings Training);

/// <summary>One trained model and what it measured.</summary>
public sealed record ModelResult
{
    /// <summary>0 for the labelled-only baseline, then 1..R.</summary>
    public required int Round { get; init; }

    /// <summary>What the model was trained on, for the table.</summary>
    public required string TrainedOn { get; init; }

    public required CalibrationMetrics Test { get; init; }

    public required CalibrationMetrics Validation { get; init; }

    /// <summary>Mean top-1 confidence of this model on the unlabelled rows (what the next round sharpens).</summary>
    public required double UnlabelledConfidence { get; init; }

    /// <summary>Accuracy of this model's arg-max on the unlabelled rows, against their hidden labels (the next round's pseudo-label accuracy).</summary>
    public required double UnlabelledAccuracy { get; init; }

    /// <summary>Pseudo-labelled rows this model trained on (0 for the baseline).</summary>
    public required int PseudoRows { get; init; }

    public required int Epochs { get; init; }

    public required long Steps { get; init; }

    public required double TrainingSeconds { get; init; }

    public required SoftTargetCrossEntropyModel Model { get; init; }
}

/// <summary>All models of one seed.</summary>
public sealed record SeedResult(int Seed, int LabelledRows, int UnlabelledRows, IReadOnlyList<ModelResult> Models)
{
    public ModelResult Baseline => Models[0];

    public ModelResult Last => Models[^1];

    /// <summary>The model with the best validation accuracy (then the lower validation NLL): the one that is saved.</summary>
    public ModelResult BestOnValidation => Models
        .OrderByDescending(m => m.Validation.Accuracy).ThenBy(m => m.Validation.LogLoss).First();
}

/// <summary>
/// Semi-supervised learning with pseudo-labels, MixMatch-style: a labelled-only baseline, then for each round score the
/// unlabelled rows with the current model, sharpen the scores with <c>SharpenLabels(T)</c>, give the labelled rows their
/// one-hot, and train on labelled + pseudo-labelled rows.
/// </summary>
public sealed class PseudoLabelExperiment(SemiSupervisedData data, ExperimentSettings settings, Action<string> log)
{
    public SeedResult Run(int seed)
    {
        var ml = new MLContext(seed);
        var split = data.SplitLabelled(settings.LabelledPerClass, seed, settings.MaxUnlabelled);
        var train = data.Train;
        var features = new float[train.Rows][];
        foreach (int row in split.Labelled.Concat(split.Unlabelled))
            features[row] = train.Image(row);

        // The labels of the unlabelled rows are hidden: Label = "" becomes the missing key. They are kept aside only to
        // measure how good the pseudo-labels are.
        var labelledInputs = split.Labelled.Select(r => new ModelInput { Features = features[r], Label = data.ClassNames[train.Labels[r]] }).ToArray();
        var unlabelledInputs = split.Unlabelled.Select(r => new ModelInput { Features = features[r], Label = "" }).ToArray();
        var hiddenLabels = split.Unlabelled.Select(r => (int)train.Labels[r]).ToArray();

        var labelledRaw = LoadInputs(ml, labelledInputs, data.FeatureCount);
        var labelKey = FitLabelKey(ml, data.ClassNames, labelledRaw);
        var labelled = labelKey.Transform(labelledRaw);
        var unlabelled = labelKey.Transform(LoadInputs(ml, unlabelledInputs, data.FeatureCount));
        var validation = labelKey.Transform(LoadInputs(ml, data.Inputs(data.Validation), data.FeatureCount));
        var test = labelKey.Transform(LoadInputs(ml, data.Inputs(data.Test), data.FeatureCount));

        // The labelled rows' soft targets: their one-hot (SharpenLabels on a key gives the one-hot for any T).
        var oneHot = ml.Transforms.SharpenLabels(1.0, outputColumnName: "SoftTarget", inputColumnName: "Label").Fit(labelled).Transform(labelled)
            .GetColumn<VBuffer<float>>("SoftTarget").Select(v => v.DenseValues().ToArray()).ToArray();

        log($"seed {seed}: {split.Labelled.Length} labelled rows ({settings.LabelledPerClass} per class), {split.Unlabelled.Length} unlabelled rows");
        var results = new List<ModelResult>();

        // Round 0: the baseline, plain cross-entropy on the labelled rows only.
        var clock = Stopwatch.StartNew();
        var baseline = Train(ml, labelled, TrainerOptions(settings.Training, softTargetColumnName: null, settings.BaselineEpochs, seed));
        var (result, scoredUnlabelled) = Measure(ml, 0, $"{split.Labelled.Length} labelled", baseline, clock.Elapsed.TotalSeconds, 0, validation, test, unlabelled, hiddenLabels);
        results.Add(result);
        log(Line(result));

        var current = baseline;
        for (int round = 1; round <= settings.Rounds; round++)
        {
            // Pseudo-labels: the current model's scores on the unlabelled rows, sharpened with T (MixMatch: 0.5).
            var sharpened = ml.Transforms.SharpenLabels(settings.Temperature, outputColumnName: "SoftTarget", inputColumnName: "Score")
                .Fit(scoredUnlabelled).Transform(scoredUnlabelled);
            var pseudo = sharpened.GetColumn<VBuffer<float>>("SoftTarget").Select(v => v.DenseValues().ToArray()).ToArray();
            var confidence = sharpened.GetColumn<VBuffer<float>>("Score").Select(v => v.DenseValues().Max()).ToArray();
            int used = 0;
            for (int i = 0; i < pseudo.Length; i++)
            {
                // Below the threshold: all-NaN, the missing-target marker; the trainer skips such rows.
                if (confidence[i] < settings.Threshold)
                    Array.Fill(pseudo[i], float.NaN);
                else
                    used++;
            }

            var rows = labelledInputs.Select((input, i) => new TrainingInput { Features = input.Features, Label = input.Label, SoftTarget = oneHot[i] })
                .Concat(unlabelledInputs.Select((input, i) => new TrainingInput { Features = input.Features, Label = "", SoftTarget = pseudo[i] }))
                .ToArray();
            var trainData = labelKey.Transform(LoadTrainingInputs(ml, rows, data.FeatureCount, data.ClassCount));

            clock.Restart();
            var model = Train(ml, trainData, TrainerOptions(settings.Training, "SoftTarget", settings.Epochs, seed),
                settings.FineTune ? current : null);
            (result, scoredUnlabelled) = Measure(ml, round, $"{split.Labelled.Length} labelled + {used} pseudo", model, clock.Elapsed.TotalSeconds, used,
                validation, test, unlabelled, hiddenLabels);
            results.Add(result);
            log(Line(result));
            current = model;
        }
        return new SeedResult(seed, split.Labelled.Length, split.Unlabelled.Length, results);
    }

    private static (ModelResult Result, IDataView ScoredUnlabelled) Measure(MLContext ml, int round, string trainedOn, SoftTargetCrossEntropyModel model,
        double seconds, int pseudoRows, IDataView validation, IDataView test, IDataView unlabelled, int[] hiddenLabels)
    {
        // Scoring runs row by row through ApplyOnnxModel: cache each scored view so it is computed once.
        var testMetrics = ml.MulticlassClassification.EvaluateCalibration(ml.Data.Cache(model.Transform(test)));
        var validationMetrics = ml.MulticlassClassification.EvaluateCalibration(ml.Data.Cache(model.Transform(validation)));
        var scored = ml.Data.Cache(model.Transform(unlabelled));
        double confidenceSum = 0;
        int correct = 0, row = 0;
        foreach (var score in scored.GetColumn<VBuffer<float>>("Score"))
        {
            var p = score.DenseValues().ToArray();
            int top = Array.IndexOf(p, p.Max());
            confidenceSum += p[top];
            if (top == hiddenLabels[row])
                correct++;
            row++;
        }
        var last = model.History[^1];
        return (new ModelResult
        {
            Round = round,
            TrainedOn = trainedOn,
            Test = testMetrics,
            Validation = validationMetrics,
            UnlabelledConfidence = confidenceSum / row,
            UnlabelledAccuracy = (double)correct / row,
            PseudoRows = pseudoRows,
            Epochs = last.Epoch,
            Steps = last.Step,
            TrainingSeconds = seconds,
            Model = model,
        }, scored);
    }

    private static string Line(ModelResult r) =>
        $"  round {r.Round}: {r.TrainedOn}, {r.Steps} steps in {r.TrainingSeconds:F1} s; test acc {r.Test.Accuracy:F4}";
}

// Usage: MLNet.SoftTargets.TrainingHost <checkpoint-directory> <scores-file> [epochs]
//
// Trains an MLP on the embedded UCI digits with fixed, deterministic settings (seed, one thread, CPU, explicit
// epochs, batch size and learning rate) and a checkpoint every few steps in <checkpoint-directory>; a second start
// with the same directory resumes from the checkpoint. At the end it writes the Score of the first 100 held-out
// rows to <scores-file>, one row per line, each float as the hex of its bits, so a caller can compare two runs bit
// for bit. The file is written to a temporary name and moved into place, so it exists only when complete.
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.SoftTargets;
using MLNet.SoftTargets.Datasets;

if (args.Length is < 2 or > 3)
{
    Console.Error.WriteLine("usage: MLNet.SoftTargets.TrainingHost <checkpoint-directory> <scores-file> [epochs]");
    return 2;
}
string checkpointDirectory = args[0];
string scoresFile = args[1];
int epochs = args.Length == 3 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 30;

var ml = new MLContext(seed: 1);
var rows = DigitsDataset.LoadEmbedded().Select(r => new DigitRow { Features = r.Features.Select(v => v / 16f).ToArray(), Digit = r.Digit }).ToList();
var classes = ml.Data.LoadFromEnumerable(DigitsDataset.ClassNames.Select(n => new DigitRow { Features = new float[DigitsDataset.PixelCount], Digit = n }));
var keyed = ml.Transforms.Conversion.MapValueToKey("Label", nameof(DigitRow.Digit),
    keyData: ml.Transforms.SelectColumns(nameof(DigitRow.Digit)).Fit(classes).Transform(classes));
var train = ml.Data.LoadFromEnumerable(rows.Take(1400).ToList());
var test = ml.Data.LoadFromEnumerable(rows.Skip(1400).Take(100).ToList());

var trainer = ml.MulticlassClassification.Trainers.SoftTargetCrossEntropy(new SoftTargetCrossEntropyTrainer.Options
{
    HiddenLayerSizes = [32],
    Epochs = epochs,
    BatchSize = 32,
    LearningRate = 0.01,
    Seed = 7,
    Threads = 1,
    Device = TrainingDevice.Cpu,
    CheckpointDirectory = checkpointDirectory,
    CheckpointInterval = 10,
    Log = line => Console.WriteLine("log: " + line),
    Progress = new ConsoleProgress(),
});
var pipeline = keyed.Append(ml.Transforms.SmoothLabels(0.1)).Append(trainer);
var model = pipeline.Fit(train);

var scored = model.Transform(test);
// GetColumn reuses one buffer for every row: copy each row out before the next.
var scores = scored.GetColumn<VBuffer<float>>(scored.Schema["Score"]).Select(v => v.DenseValues().ToArray()).ToList();
string temporary = scoresFile + ".tmp";
using (var writer = new StreamWriter(temporary))
{
    foreach (var score in scores)
        writer.WriteLine(string.Join(' ', score.Select(v => BitConverter.SingleToInt32Bits(v).ToString("x8", CultureInfo.InvariantCulture))));
}
File.Move(temporary, scoresFile, overwrite: true);
Console.WriteLine($"done: {scores.Count} rows scored");
return 0;

/// <summary>Prints every report at once (the stock Progress&lt;T&gt; posts to the thread pool and could print after exit).</summary>
internal sealed class ConsoleProgress : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => Console.WriteLine($"epoch {value.Epoch}: loss {value.TrainingLoss.ToString("R", CultureInfo.InvariantCulture)}");
}

using System.Diagnostics;
using Microsoft.ML;
using MLNet.SoftTargets;

namespace MLNet.SoftTargets.ScoringBenchmark;

/// <summary>Median, minimum and maximum of one contestant's timed passes.</summary>
/// <param name="Median">The median over the rounds.</param>
/// <param name="Min">The fastest round.</param>
/// <param name="Max">The slowest round.</param>
internal readonly record struct Spread(double Median, double Min, double Max)
{
    /// <summary>The spread of <paramref name="values"/> (at least one).</summary>
    public static Spread Of(IReadOnlyCollection<double> values)
    {
        var sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        double median = sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        return new Spread(median, sorted[0], sorted[^1]);
    }
}

/// <summary>What one contestant measured on one configuration, and how its scores compare with ours in memory.</summary>
/// <param name="Key">The contestant's key.</param>
/// <param name="Name">The contestant's name.</param>
/// <param name="BatchMilliseconds">Milliseconds per batch pass over the N rows.</param>
/// <param name="RowMicroseconds">Microseconds per row of the row-at-a-time pass.</param>
/// <param name="BatchDifference">Max |Δ| of the batch scores against ours in memory's batch scores.</param>
/// <param name="RowDifference">Max |Δ| of the row-at-a-time scores against ours in memory's batch scores.</param>
/// <param name="LabelMismatches">Rows whose predicted class (batch, then per row) differs from ours in memory's batch.</param>
/// <param name="Accuracy">Batch predictions against the true classes.</param>
/// <param name="Checked">Whether the differences must be ≤ the tolerance (not for a different model).</param>
/// <param name="Cores">Median process CPU time ÷ wall time of the batch and of the row-at-a-time passes.</param>
internal sealed record ContestantResult(string Key, string Name, Spread BatchMilliseconds, Spread RowMicroseconds,
    double BatchDifference, double RowDifference, (int Batch, int Rows) LabelMismatches, double Accuracy, bool Checked,
    (double Batch, double Rows) Cores)
{
    /// <summary>Whether a checked contestant's scores agree with ours in memory (a NaN difference does not).</summary>
    public bool Passed => !Checked || (BatchDifference <= ConfigurationBench.Tolerance && RowDifference <= ConfigurationBench.Tolerance);
}

/// <summary>The results of one configuration.</summary>
/// <param name="Configuration">The configuration.</param>
/// <param name="Contestants">One result per contestant that ran.</param>
/// <param name="Rows">N.</param>
/// <param name="InputMilliseconds">Milliseconds of a cursor that only reads <c>Features</c> of the cached view.</param>
internal sealed record ConfigurationResult(ScoringConfiguration Configuration, IReadOnlyList<ContestantResult> Contestants, int Rows, Spread InputMilliseconds)
{
    /// <summary>The result of the contestant <paramref name="key"/>, or null when it did not run here.</summary>
    public ContestantResult? this[string key] => Contestants.FirstOrDefault(c => c.Key == key);
}

/// <summary>
/// One configuration end to end: data, training (ours and, for a linear head, L-BFGS), the contestants, one untimed
/// pass of each (the score checks, and a warm-up), then the timed rounds.
/// </summary>
internal static class ConfigurationBench
{
    /// <summary>The largest |Δ| allowed between a checked contestant's scores and ours in memory's.</summary>
    public const double Tolerance = 1e-5;

    /// <summary>
    /// Untimed passes of each contestant, before its first round, last at least this long: the first passes run
    /// partly unoptimised (tier-0) code while the optimised code is compiled on a background thread.
    /// </summary>
    public const double WarmUpMilliseconds = 500;

    /// <summary>Our trainer's options for <paramref name="configuration"/>: quality does not matter here, speed does.</summary>
    public static SoftTargetCrossEntropyTrainer.Options TrainerOptions(ScoringConfiguration configuration) => new()
    {
        SoftTargetColumnName = null,
        Device = TrainingDevice.Cpu,
        Epochs = 3,
        BatchSize = 256,
        LearningRate = 1e-2,
        HiddenLayerSizes = configuration.Hidden is int h ? [h] : [],
        Seed = 42,
    };

    /// <summary>Runs <paramref name="configuration"/>; progress goes to <paramref name="log"/>.</summary>
    public static ConfigurationResult Run(ScoringConfiguration configuration, ScoringOptions options, Action<string> log)
    {
        var data = ScoringData.Create(configuration, options.Rows, seed: 1_000 * configuration.Features + configuration.Classes);
        var ml = new MLContext(seed: 42);
        var train = data.TrainView(ml);
        var started = Stopwatch.StartNew();
        var ours = ml.MulticlassClassification.Trainers.SoftTargetCrossEntropy(TrainerOptions(configuration)).Fit(train);
        log($"trained ours in {started.Elapsed.TotalSeconds:F1} s");
        var view = data.ScoreView(ml);

        var contestants = new List<IScoringContestant>();
        try
        {
            contestants.Add(new TransformerContestant(ContestantKeys.InMemory, "ours in memory", ml, ours, view, data));
            if (options.Runs(ContestantKeys.FastLoaded))
                contestants.Add(new TransformerContestant(ContestantKeys.FastLoaded, "fast-loaded", ml, Reload(ml, ours, view, fast: true), view, data));
            if (options.Runs(ContestantKeys.StockLoaded))
                contestants.Add(new TransformerContestant(ContestantKeys.StockLoaded, "stock-loaded", ml, Reload(ml, ours, view, fast: false), view, data));
            if (configuration.IsLinear && options.Runs(ContestantKeys.Lbfgs))
            {
                started.Restart();
                var lbfgs = ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy().Fit(train);
                log($"trained L-BFGS in {started.Elapsed.TotalSeconds:F1} s");
                contestants.Add(new TransformerContestant(ContestantKeys.Lbfgs, "L-BFGS", ml, lbfgs, view, data));
            }
            if (configuration.Hidden is int hidden && options.Runs(ContestantKeys.TorchSharp))
                contestants.Add(new TorchSharpScoringContestant(ours.GetParameters(), data, hidden));
            if (!configuration.IsLinear && options.Runs(ContestantKeys.OnnxRuntime))
                contestants.Add(new OnnxRuntimeContestant(ours, data));
            return Measure(configuration, data, view, contestants, options.Rounds, log);
        }
        finally
        {
            foreach (var contestant in contestants)
                contestant.Dispose();
        }
    }

    /// <summary>Saves <paramref name="model"/> with the view's schema and loads it back, with <c>LoadWithFastScoring</c> or a stock <c>Model.Load</c>.</summary>
    private static ITransformer Reload(MLContext ml, ITransformer model, IDataView view, bool fast)
    {
        using var stream = new MemoryStream();
        ml.Model.Save(model, view.Schema, stream);
        stream.Position = 0;
        return fast ? ml.Model.LoadWithFastScoring(stream, out _) : ml.Model.Load(stream, out _);
    }

    /// <summary>The untimed passes (checks and warm-up), the timed rounds and the comparison of every contestant with the first (ours in memory).</summary>
    private static ConfigurationResult Measure(ScoringConfiguration configuration, ScoringData data, IDataView view, List<IScoringContestant> contestants,
        int rounds, Action<string> log)
    {
        // The untimed pass of every contestant: its scores for the checks, and the JIT's and native libraries' first use.
        var batches = new Dictionary<IScoringContestant, ScoreSink>();
        var perRow = new Dictionary<IScoringContestant, ScoreSink>();
        foreach (var contestant in contestants)
        {
            batches[contestant] = new ScoreSink(data.Rows, data.Classes);
            double batch = Time(() => contestant.ScoreBatch(batches[contestant])).Milliseconds;
            perRow[contestant] = new ScoreSink(data.Rows, data.Classes);
            double rows = Time(() => contestant.ScoreRows(perRow[contestant])).Milliseconds;
            int extra = 0;
            for (var warm = Stopwatch.StartNew(); batch + rows + warm.Elapsed.TotalMilliseconds < WarmUpMilliseconds; extra++)
            {
                contestant.ScoreBatch(null);
                contestant.ScoreRows(null);
            }
            log($"untimed pass of {contestant.Key}: batch {batch:F0} ms, per row {rows:F0} ms; {extra} more untimed passes");
        }

        var batchTimes = contestants.ToDictionary(c => c, _ => new List<(double Milliseconds, double Cores)>());
        var rowTimes = contestants.ToDictionary(c => c, _ => new List<(double Milliseconds, double Cores)>());
        var inputTimes = new List<double>();
        for (int round = 0; round < rounds; round++)
        {
            var order = round % 2 == 0 ? contestants : Enumerable.Reverse(contestants).ToList();
            inputTimes.Add(Time(() => ScoringData.ReadFeatures(view)).Milliseconds);
            foreach (var contestant in order)
            {
                batchTimes[contestant].Add(Time(() => contestant.ScoreBatch(null)));
                rowTimes[contestant].Add(Time(() => contestant.ScoreRows(null)));
            }
            log($"round {round + 1}/{rounds}: " + string.Join(", ", contestants.Select(c => $"{c.Key} {batchTimes[c][^1].Milliseconds:F1} ms / {rowTimes[c][^1].Milliseconds * 1000 / data.Rows:F2} µs")));
        }

        var reference = batches[contestants[0]];
        var results = contestants.Select(c => new ContestantResult(c.Key, c.Name,
            Spread.Of([.. batchTimes[c].Select(t => t.Milliseconds)]), Spread.Of([.. rowTimes[c].Select(t => t.Milliseconds * 1000 / data.Rows)]),
            MaxDifference(batches[c].Scores, reference.Scores), MaxDifference(perRow[c].Scores, reference.Scores),
            (Mismatches(batches[c].Labels, reference.Labels), Mismatches(perRow[c].Labels, reference.Labels)),
            Accuracy(batches[c].Labels, data.ScoreY), Checked: c.Key != ContestantKeys.Lbfgs,
            Cores: (Spread.Of([.. batchTimes[c].Select(t => t.Cores)]).Median, Spread.Of([.. rowTimes[c].Select(t => t.Cores)]).Median))).ToList();
        return new ConfigurationResult(configuration, results, data.Rows, Spread.Of(inputTimes));
    }

    /// <summary>
    /// The wall time of <paramref name="pass"/> after a full collection, and the process's CPU time over it in cores (all
    /// threads: the pass's own, ML.NET's cursor workers, ONNX Runtime's and libtorch's pools, the GC).
    /// </summary>
    private static (double Milliseconds, double Cores) Time(Action pass)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        long start = Stopwatch.GetTimestamp();
        pass();
        double wall = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        process.Refresh();
        return (wall, (process.TotalProcessorTime - cpu).TotalMilliseconds / wall);
    }

    /// <summary>The largest |a − b|; NaN when any entry of either is NaN (so that a check with ≤ fails).</summary>
    private static double MaxDifference(float[] a, float[] b)
    {
        double max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double d = Math.Abs((double)a[i] - b[i]);
            if (double.IsNaN(d))
                return double.NaN;
            max = Math.Max(max, d);
        }
        return max;
    }

    /// <summary>Rows whose predicted class differs between <paramref name="a"/> and <paramref name="b"/>.</summary>
    private static int Mismatches(int[] a, int[] b) => a.Where((label, i) => label != b[i]).Count();

    /// <summary>The share of rows whose predicted class is the true one.</summary>
    private static double Accuracy(int[] predicted, uint[] truth) => (double)predicted.Where((label, i) => label == truth[i]).Count() / truth.Length;
}

using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets.ScoringBenchmark;

/// <summary>One row to score: the features alone (the size D comes from <see cref="ScoringData.InputSchema"/>).</summary>
public sealed class FeatureRow
{
    /// <summary>The D features.</summary>
    [VectorType]
    public float[] Features { get; set; } = [];
}

/// <summary>One training row: the features and the class 0..K-1 (made a key by <c>MapValueToKey</c>).</summary>
public sealed class ClassRow
{
    /// <summary>The D features.</summary>
    [VectorType]
    public float[] Features { get; set; } = [];

    /// <summary>The class, 0..K-1.</summary>
    public uint Class { get; set; }
}

/// <summary>What a <see cref="PredictionEngine{TSrc, TDst}"/> writes: every multiclass model's two columns.</summary>
public sealed class Prediction
{
    /// <summary>The K class probabilities.</summary>
    public float[] Score { get; set; } = [];

    /// <summary>The predicted key, 1..K (0: missing).</summary>
    public uint PredictedLabel { get; set; }
}

/// <summary>
/// Seeded synthetic data for one configuration: K class means drawn N(0, 1) per class and feature; a row is the mean
/// of a uniformly drawn class plus N(0, 1) noise; every feature standardised with the training rows' mean and
/// standard deviation. Training and scoring rows come from the same distribution.
/// </summary>
/// <param name="Features">D.</param>
/// <param name="Classes">K.</param>
/// <param name="TrainX">Training features, row-major [<see cref="TrainRows"/>, D].</param>
/// <param name="TrainY">Training classes, 0..K-1.</param>
/// <param name="ScoreX">Scoring features, row-major [N, D] (TorchSharp's input).</param>
/// <param name="ScoreY">The true class of each scoring row (for the accuracy column).</param>
internal sealed record ScoringData(int Features, int Classes, float[] TrainX, uint[] TrainY, float[] ScoreX, uint[] ScoreY)
{
    /// <summary>Rows the models are trained on.</summary>
    public const int TrainRows = 2_000;

    /// <summary>The scoring rows as objects (the cached view's source and the PredictionEngine's inputs).</summary>
    public IReadOnlyList<FeatureRow> ScoreRows { get; } =
        [.. Enumerable.Range(0, ScoreY.Length).Select(r => new FeatureRow { Features = ScoreX.AsSpan(r * Features, Features).ToArray() })];

    /// <summary>The scoring rows' schema: <c>Features</c> as <c>Vector&lt;Single, D&gt;</c>.</summary>
    public SchemaDefinition InputSchema { get; } = Definition<FeatureRow>(Features);

    /// <summary>Scoring rows.</summary>
    public int Rows => ScoreY.Length;

    /// <summary>The data of <paramref name="configuration"/> with <paramref name="scoreRows"/> scoring rows, from <paramref name="seed"/>.</summary>
    public static ScoringData Create(ScoringConfiguration configuration, int scoreRows, int seed)
    {
        int d = configuration.Features, k = configuration.Classes;
        var random = new Random(seed);
        var means = new float[k * d];
        Fill(random, means);
        var (trainX, trainY) = Draw(random, means, d, k, TrainRows);
        var (scoreX, scoreY) = Draw(random, means, d, k, scoreRows);
        for (int j = 0; j < d; j++)
        {
            double sum = 0, squares = 0;
            for (int r = 0; r < TrainRows; r++)
                sum += trainX[r * d + j];
            double mean = sum / TrainRows;
            for (int r = 0; r < TrainRows; r++)
                squares += Math.Pow(trainX[r * d + j] - mean, 2);
            double scale = 1 / Math.Sqrt(squares / TrainRows);
            foreach (float[] x in new[] { trainX, scoreX })
            {
                for (int i = j; i < x.Length; i += d)
                    x[i] = (float)((x[i] - mean) * scale);
            }
        }
        return new ScoringData(d, k, trainX, trainY, scoreX, scoreY);
    }

    /// <summary>
    /// The training rows as a cached view with <c>Features</c> and <c>Label</c>, a <c>Key&lt;UInt32, K&gt;</c> whose key
    /// k + 1 is class k (the key data lists every class, so all K exist even if one were never drawn).
    /// </summary>
    public IDataView TrainView(MLContext ml)
    {
        var rows = ml.Data.LoadFromEnumerable(
            Enumerable.Range(0, TrainRows).Select(r => new ClassRow { Features = TrainX.AsSpan(r * Features, Features).ToArray(), Class = TrainY[r] }).ToList(),
            Definition<ClassRow>(Features));
        var keys = ml.Data.LoadFromEnumerable(Enumerable.Range(0, Classes).Select(c => new { Class = (uint)c }).ToList());
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label", nameof(ClassRow.Class), keyData: keys).Fit(rows).Transform(rows);
        return ml.Data.Cache(keyed);
    }

    /// <summary>The scoring rows as <c>ml.Data.Cache</c> over <c>LoadFromEnumerable</c>, filled by one full pass.</summary>
    public IDataView ScoreView(MLContext ml)
    {
        var view = ml.Data.Cache(ml.Data.LoadFromEnumerable(ScoreRows, InputSchema));
        ReadFeatures(view);
        return view;
    }

    /// <summary>
    /// One cursor over <paramref name="view"/> that reads <c>Features</c> of every row: fills a cache, and is the part of
    /// every ML.NET batch pass that is not scoring (the report's "input alone" column).
    /// </summary>
    public static void ReadFeatures(IDataView view)
    {
        var column = view.Schema[nameof(FeatureRow.Features)];
        using var cursor = view.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        VBuffer<float> features = default;
        while (cursor.MoveNext())
            getter(ref features);
    }

    /// <summary>The schema of <typeparamref name="T"/> with its <c>Features</c> column as <c>Vector&lt;Single, D&gt;</c>.</summary>
    private static SchemaDefinition Definition<T>(int features)
    {
        var definition = SchemaDefinition.Create(typeof(T));
        definition["Features"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, features);
        return definition;
    }

    /// <summary><paramref name="rows"/> rows: a uniformly drawn class each, its mean plus N(0, 1) noise.</summary>
    private static (float[] X, uint[] Y) Draw(Random random, float[] means, int d, int k, int rows)
    {
        var x = new float[rows * d];
        var y = new uint[rows];
        Fill(random, x);
        for (int r = 0; r < rows; r++)
        {
            y[r] = (uint)random.Next(k);
            var mean = means.AsSpan((int)y[r] * d, d);
            var row = x.AsSpan(r * d, d);
            for (int j = 0; j < d; j++)
                row[j] += mean[j];
        }
        return (x, y);
    }

    /// <summary>Standard normal draws (Box–Muller).</summary>
    private static void Fill(Random random, float[] values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            double u = 1 - random.NextDouble(), v = random.NextDouble();
            values[i] = (float)(Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v));
        }
    }
}

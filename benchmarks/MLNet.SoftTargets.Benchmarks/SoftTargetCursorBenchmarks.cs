using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace MLNet.SoftTargets.Benchmarks;

/// <summary>
/// Cursor throughput of the soft-target columns against their closest stock ML.NET peers.
/// Every benchmark opens one cursor (as a user would) and reads all <see cref="Rows"/> rows of one column,
/// calling the getter on every row; all but the key-input one read a <c>Vector&lt;Single, 10&gt;</c>.
/// The inputs are cached in memory in <see cref="Setup"/>, so the transform, not the source, dominates.
/// </summary>
/// <remarks>
/// Categories (each with its peer marked as the baseline):
/// <list type="bullet">
/// <item><c>Key cursor</c>: <c>SmoothLabels(0.1)</c> of a <c>Key&lt;UInt32, 10&gt;</c> vs <c>MapKeyToVector</c> of the same key (the target pair).</item>
/// <item><c>Vector cursor</c>: <c>SharpenLabels(0.5)</c> (exponent 2, a fast path) and <c>SharpenLabels(0.7)</c> (exponent
/// 1/0.7, the general power) of a probability vector vs <c>NormalizeLpNorm(L1)</c> of it.</item>
/// <item><c>Key mapper</c>, <c>Vector mapper</c>: the same pairs through <see cref="IRowToRowMapper.GetRow"/> over one
/// input cursor, on one thread. On a machine with more than one core a plain <c>GetRowCursor</c> of a stock
/// ML.NET transform computes its column on one cursor per core and consolidates the rows back onto the
/// reading thread (<c>RowToRowMapperTransform.GetRowCursorSet</c> splits even a single input cursor);
/// the soft-target views do not. The row mapper has no such machinery on either side, so these categories
/// compare the per-row work alone.</item>
/// <item><c>Input</c>: the cached inputs alone, to show how much of each time is the source.</item>
/// </list>
/// </remarks>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[MemoryDiagnoser]
public class SoftTargetCursorBenchmarks
{
    /// <summary>Rows read per benchmark invocation.</summary>
    public const int Rows = 1_000_000;

    /// <summary>Number of classes K.</summary>
    public const int ClassCount = 10;

    private const int Seed = 42;

    /// <summary>The second sharpening temperature: 1/0.7 is not an exponent with a fast path (1 or 2).</summary>
    private const double GeneralTemperature = 0.7;
    private const string KeyColumn = "Label";
    private const string ProbabilityColumn = "Probs";

    private IDataView _keyInput = null!;
    private IDataView _probabilityInput = null!;
    private IDataView _smoothed = null!;
    private IDataView _oneHot = null!;
    private IDataView _sharpened = null!;
    private IDataView _sharpenedGeneral = null!;
    private IDataView _l1 = null!;
    private IRowToRowMapper _smoothMapper = null!;
    private IRowToRowMapper _oneHotMapper = null!;
    private IRowToRowMapper _sharpenMapper = null!;
    private IRowToRowMapper _sharpenGeneralMapper = null!;
    private IRowToRowMapper _l1Mapper = null!;

    /// <summary>Builds the cached inputs and the transformed views once per process.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var ml = new MLContext(seed: Seed);
        var random = new Random(Seed);

        // Key input: raw class ids 0..9 → MapValueToKey (ordered by value, so key = id + 1) → in-memory cache.
        var classRows = new ClassRow[Rows];
        for (int i = 0; i < Rows; i++)
            classRows[i] = new ClassRow { ClassId = (uint)random.Next(ClassCount) };
        var rawClasses = ml.Data.LoadFromEnumerable(classRows);
        var toKey = ml.Transforms.Conversion.MapValueToKey(KeyColumn, nameof(ClassRow.ClassId), keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Append(ml.Transforms.SelectColumns(KeyColumn));
        _keyInput = Materialize(ml, toKey.Fit(rawClasses).Transform(rawClasses), KeyColumn);

        // Probability input: 10 positive weights (exponential draws) normalised to sum 1 → in-memory cache.
        var probabilityRows = new ProbabilityRow[Rows];
        for (int i = 0; i < Rows; i++)
        {
            var p = new float[ClassCount];
            float sum = 0;
            for (int c = 0; c < ClassCount; c++)
                sum += p[c] = (float)-Math.Log(1 - random.NextDouble());
            for (int c = 0; c < ClassCount; c++)
                p[c] /= sum;
            probabilityRows[i] = new ProbabilityRow { Probs = p };
        }
        _probabilityInput = Materialize(ml, ml.Data.LoadFromEnumerable(probabilityRows), ProbabilityColumn);

        var smooth = ml.Transforms.SmoothLabels(0.1, "SoftTarget", KeyColumn).Fit(_keyInput);
        var oneHot = ml.Transforms.Conversion.MapKeyToVector("OneHot", KeyColumn).Fit(_keyInput);
        var sharpen = ml.Transforms.SharpenLabels(0.5, "SoftTarget", ProbabilityColumn).Fit(_probabilityInput);
        var sharpenGeneral = ml.Transforms.SharpenLabels(GeneralTemperature, "SoftTarget", ProbabilityColumn).Fit(_probabilityInput);
        var l1 = ml.Transforms.NormalizeLpNorm("L1", ProbabilityColumn, LpNormNormalizingEstimatorBase.NormFunction.L1, ensureZeroMean: false)
            .Fit(_probabilityInput);
        _smoothed = smooth.Transform(_keyInput);
        _oneHot = oneHot.Transform(_keyInput);
        _sharpened = sharpen.Transform(_probabilityInput);
        _sharpenedGeneral = sharpenGeneral.Transform(_probabilityInput);
        _l1 = l1.Transform(_probabilityInput);
        _smoothMapper = smooth.GetRowToRowMapper(_keyInput.Schema);
        _oneHotMapper = ((ITransformer)oneHot).GetRowToRowMapper(_keyInput.Schema);
        _sharpenMapper = sharpen.GetRowToRowMapper(_probabilityInput.Schema);
        _sharpenGeneralMapper = sharpenGeneral.GetRowToRowMapper(_probabilityInput.Schema);
        _l1Mapper = ((ITransformer)l1).GetRowToRowMapper(_probabilityInput.Schema);

        CheckOutputs();
    }

    /// <summary>Peer: one-hot vector of the key column (stock <c>MapKeyToVector</c>).</summary>
    [Benchmark(Baseline = true, Description = "MapKeyToVector")]
    [BenchmarkCategory("Key cursor")]
    public double MapKeyToVector() => ReadVectors(_oneHot, "OneHot");

    /// <summary>Label smoothing, α = 0.1 (OffTarget), of the key column.</summary>
    [Benchmark(Description = "SmoothLabels(0.1)")]
    [BenchmarkCategory("Key cursor")]
    public double SmoothLabels() => ReadVectors(_smoothed, "SoftTarget");

    /// <summary>Peer: L1 normalisation of the probability vector (stock <c>NormalizeLpNorm</c>).</summary>
    [Benchmark(Baseline = true, Description = "NormalizeLpNorm(L1)")]
    [BenchmarkCategory("Vector cursor")]
    public double NormalizeL1() => ReadVectors(_l1, "L1");

    /// <summary>Sharpening, T = 0.5, of the probability vector.</summary>
    [Benchmark(Description = "SharpenLabels(0.5)")]
    [BenchmarkCategory("Vector cursor")]
    public double SharpenLabels() => ReadVectors(_sharpened, "SoftTarget");

    /// <summary>Sharpening, T = 0.7: an exponent (1/0.7) that takes the general power, not a fast path.</summary>
    [Benchmark(Description = "SharpenLabels(0.7)")]
    [BenchmarkCategory("Vector cursor")]
    public double SharpenLabelsGeneral() => ReadVectors(_sharpenedGeneral, "SoftTarget");

    /// <summary>Peer, row-mapper path: <c>MapKeyToVector</c>.</summary>
    [Benchmark(Baseline = true, Description = "MapKeyToVector")]
    [BenchmarkCategory("Key mapper")]
    public double MapKeyToVectorMapper() => ReadThroughMapper(_keyInput, _oneHotMapper, "OneHot");

    /// <summary>Row-mapper path: <c>SmoothLabels(0.1)</c>.</summary>
    [Benchmark(Description = "SmoothLabels(0.1)")]
    [BenchmarkCategory("Key mapper")]
    public double SmoothLabelsMapper() => ReadThroughMapper(_keyInput, _smoothMapper, "SoftTarget");

    /// <summary>Peer, row-mapper path: <c>NormalizeLpNorm(L1)</c>.</summary>
    [Benchmark(Baseline = true, Description = "NormalizeLpNorm(L1)")]
    [BenchmarkCategory("Vector mapper")]
    public double NormalizeL1Mapper() => ReadThroughMapper(_probabilityInput, _l1Mapper, "L1");

    /// <summary>Row-mapper path: <c>SharpenLabels(0.5)</c>.</summary>
    [Benchmark(Description = "SharpenLabels(0.5)")]
    [BenchmarkCategory("Vector mapper")]
    public double SharpenLabelsMapper() => ReadThroughMapper(_probabilityInput, _sharpenMapper, "SoftTarget");

    /// <summary>Row-mapper path: <c>SharpenLabels(0.7)</c>.</summary>
    [Benchmark(Description = "SharpenLabels(0.7)")]
    [BenchmarkCategory("Vector mapper")]
    public double SharpenLabelsGeneralMapper() => ReadThroughMapper(_probabilityInput, _sharpenGeneralMapper, "SoftTarget");

    /// <summary>The cached key column alone (no transform).</summary>
    [Benchmark(Description = "cached key input")]
    [BenchmarkCategory("Input")]
    public double KeyInputOnly()
    {
        var column = _keyInput.Schema[KeyColumn];
        using var cursor = _keyInput.GetRowCursor([column]);
        var getter = cursor.GetGetter<uint>(column);
        uint key = 0;
        double check = 0;
        long rows = 0;
        while (cursor.MoveNext())
        {
            getter(ref key);
            check += key;
            rows++;
        }
        return CheckRowCount(rows, check);
    }

    /// <summary>The cached probability-vector column alone (no transform).</summary>
    [Benchmark(Description = "cached vector input")]
    [BenchmarkCategory("Input")]
    public double VectorInputOnly() => ReadVectors(_probabilityInput, ProbabilityColumn);

    /// <summary>Reads the <c>VBuffer&lt;float&gt;</c> of every row of <paramref name="columnName"/> through one cursor.</summary>
    private static double ReadVectors(IDataView view, string columnName)
    {
        var column = view.Schema[columnName];
        using var cursor = view.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        var buffer = default(VBuffer<float>);
        double check = 0;
        long rows = 0;
        while (cursor.MoveNext())
        {
            getter(ref buffer);
            var values = buffer.GetValues();
            // Touch the buffer (dense rows have 10 values, the one-hot peer has 1) so nothing is elided.
            check += values.Length + (values.Length > 0 ? values[0] : 0f);
            rows++;
        }
        return CheckRowCount(rows, check);
    }

    /// <summary>
    /// Reads every row's <c>VBuffer&lt;float&gt;</c> of <paramref name="columnName"/> by mapping one single-threaded
    /// cursor over <paramref name="input"/> with <paramref name="mapper"/>.
    /// </summary>
    private static double ReadThroughMapper(IDataView input, IRowToRowMapper mapper, string columnName)
    {
        var column = mapper.OutputSchema[columnName];
        using var cursor = input.GetRowCursor(mapper.GetDependencies([column]));
        using var row = mapper.GetRow(cursor, [column]);
        var getter = row.GetGetter<VBuffer<float>>(column);
        var buffer = default(VBuffer<float>);
        double check = 0;
        long rows = 0;
        while (cursor.MoveNext())
        {
            getter(ref buffer);
            var values = buffer.GetValues();
            check += values.Length + (values.Length > 0 ? values[0] : 0f);
            rows++;
        }
        return CheckRowCount(rows, check);
    }

    private static double CheckRowCount(long rows, double check) =>
        rows == Rows ? check : throw new InvalidOperationException($"Read {rows} rows, expected {Rows}.");

    /// <summary>Runs the source once end to end so that the cache is filled before anything is timed.</summary>
    private static IDataView Materialize(MLContext ml, IDataView source, string columnName)
    {
        var cached = ml.Data.Cache(source, columnName);
        var column = cached.Schema[columnName];
        using var cursor = cached.GetRowCursor([column]);
        long rows = 0;
        while (cursor.MoveNext())
            rows++;
        CheckRowCount(rows, 0);
        return cached;
    }

    /// <summary>Fails the setup if the views being timed do not hold what they should.</summary>
    private void CheckOutputs()
    {
        var expectedType = new VectorDataViewType(NumberDataViewType.Single, ClassCount);
        foreach (var (view, name) in new[] { (_smoothed, "SoftTarget"), (_oneHot, "OneHot"), (_sharpened, "SoftTarget"), (_sharpenedGeneral, "SoftTarget"), (_l1, "L1") })
        {
            var type = view.Schema[name].Type;
            if (!type.Equals(expectedType))
                throw new InvalidOperationException($"Column '{name}' is {type}, expected {expectedType}.");
        }

        var keyColumn = _smoothed.Schema[KeyColumn];
        var softColumn = _smoothed.Schema["SoftTarget"];
        using var cursor = _smoothed.GetRowCursor([keyColumn, softColumn]);
        var getKey = cursor.GetGetter<uint>(keyColumn);
        var getSoft = cursor.GetGetter<VBuffer<float>>(softColumn);
        uint key = 0;
        var soft = default(VBuffer<float>);
        for (int row = 0; row < 100 && cursor.MoveNext(); row++)
        {
            getKey(ref key);
            getSoft(ref soft);
            var dense = soft.DenseValues().ToArray();
            for (int c = 0; c < ClassCount; c++)
            {
                float expected = c == key - 1 ? 0.9f : 0.1f / (ClassCount - 1);
                if (Math.Abs(dense[c] - expected) > 1e-6f)
                    throw new InvalidOperationException($"SmoothLabels row {row}, slot {c}: {dense[c]}, expected {expected}.");
            }
        }

        CheckSharpened(_sharpened, 0.5);
        CheckSharpened(_sharpenedGeneral, GeneralTemperature);
    }

    /// <summary>The first 100 sharpened rows hold p^(1/T) / Σ p^(1/T) (computed here in double) to 1e-6.</summary>
    private static void CheckSharpened(IDataView sharpened, double temperature)
    {
        var probabilityColumn = sharpened.Schema[ProbabilityColumn];
        var softColumn = sharpened.Schema["SoftTarget"];
        using var cursor = sharpened.GetRowCursor([probabilityColumn, softColumn]);
        var getProbabilities = cursor.GetGetter<VBuffer<float>>(probabilityColumn);
        var getSoft = cursor.GetGetter<VBuffer<float>>(softColumn);
        var p = default(VBuffer<float>);
        var soft = default(VBuffer<float>);
        for (int row = 0; row < 100 && cursor.MoveNext(); row++)
        {
            getProbabilities(ref p);
            getSoft(ref soft);
            var powers = p.DenseValues().Select(v => Math.Pow(v, 1 / temperature)).ToArray();
            double sum = powers.Sum();
            var dense = soft.DenseValues().ToArray();
            for (int c = 0; c < ClassCount; c++)
            {
                if (Math.Abs(dense[c] - powers[c] / sum) > 1e-6)
                    throw new InvalidOperationException($"SharpenLabels({temperature}) row {row}, slot {c}: {dense[c]}, expected {powers[c] / sum}.");
            }
        }
    }

    private sealed class ClassRow
    {
        public uint ClassId { get; set; }
    }

    private sealed class ProbabilityRow
    {
        [VectorType(ClassCount)]
        public float[] Probs { get; set; } = [];
    }
}

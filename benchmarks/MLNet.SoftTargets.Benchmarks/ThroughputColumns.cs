using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace MLNet.SoftTargets.Benchmarks;

/// <summary>Rows per second: <see cref="SoftTargetCursorBenchmarks.Rows"/> / mean time of one invocation.</summary>
internal sealed class RowsPerSecondColumn : IColumn
{
    public string Id => nameof(RowsPerSecondColumn);
    public string ColumnName => "Rows/s";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => $"Rows read per second: {SoftTargetCursorBenchmarks.Rows:N0} / Mean";

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public bool IsAvailable(Summary summary) => true;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) =>
        MeanNanoseconds(summary, benchmarkCase) is double ns ? FormatRate(SoftTargetCursorBenchmarks.Rows / (ns * 1e-9)) : "NA";

    internal static double? MeanNanoseconds(Summary summary, BenchmarkCase benchmarkCase) =>
        summary[benchmarkCase]?.ResultStatistics?.Mean;

    private static string FormatRate(double rowsPerSecond) => rowsPerSecond >= 1e6
        ? $"{rowsPerSecond / 1e6:F2} M"
        : $"{rowsPerSecond / 1e3:F1} k";
}

/// <summary>
/// Throughput relative to the peer (the baseline of the same category): peer mean / this mean,
/// i.e. this benchmark's rows/s ÷ the peer's rows/s (the inverse of BenchmarkDotNet's time Ratio).
/// </summary>
internal sealed class ThroughputVsPeerColumn : IColumn
{
    public string Id => nameof(ThroughputVsPeerColumn);
    public string ColumnName => "Rows/s vs peer";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 1;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => "This benchmark's rows/s divided by the rows/s of the peer (baseline) in the same category";

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public bool IsAvailable(Summary summary) => true;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var peer = summary.GetBaseline(summary.GetLogicalGroupKey(benchmarkCase));
        if (peer is null)
            return "-";
        var mean = RowsPerSecondColumn.MeanNanoseconds(summary, benchmarkCase);
        var peerMean = RowsPerSecondColumn.MeanNanoseconds(summary, peer);
        return mean is double m && peerMean is double p && m > 0 ? $"{p / m:F2}x" : "NA";
    }
}

using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using MLNet.SoftTargets.Benchmarks;

// Full run:  dotnet run -c Release --project benchmarks/MLNet.SoftTargets.Benchmarks -- --filter '*'
// Quick run: dotnet run -c Release --project benchmarks/MLNet.SoftTargets.Benchmarks -- --filter '*' --quick
// Any other BenchmarkDotNet option (--list flat, --job, --memory, ...) is passed through.
bool quick = args.Contains("--quick");
args = args.Where(a => a != "--quick").ToArray();

// A few warmups and iterations: each invocation reads 1,000,000 rows, so this is enough on a
// noisy 2-core box and keeps the whole run to a few minutes. Quick mode is a smoke run (numbers indicative only).
var job = quick
    ? Job.Default.WithId("Quick").WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(3)
    : Job.Default.WithId("Cursor").WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(10);

var config = DefaultConfig.Instance
    .AddJob(job.AsDefault())
    .AddColumn(new RowsPerSecondColumn(), new ThroughputVsPeerColumn())
    // BenchmarkDotNet's Ratio is time / peer time and is undefined for the Input category; the
    // "Rows/s vs peer" column reports the throughput ratio instead.
    .HideColumns(Column.Ratio, Column.RatioSD);

BenchmarkSwitcher.FromAssembly(typeof(SoftTargetCursorBenchmarks).Assembly).Run(args, config);

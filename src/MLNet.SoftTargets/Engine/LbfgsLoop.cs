using System.Diagnostics;

namespace MLNet.SoftTargets.Engine;

/// <summary>
/// Full-batch L-BFGS (Nocedal 1980; Liu &amp; Nocedal 1989) on a <see cref="FullBatchObjective"/>: the two-loop recursion
/// over the last <see cref="HistorySize"/> curvature pairs, a backtracking line search with the Armijo condition, in
/// double precision over the flattened parameters. For the linear head the objective (soft-target cross-entropy plus
/// L2) is convex, so this converges to its minimum, as ML.NET's <c>LbfgsMaximumEntropy</c> does for its own objective.
/// </summary>
/// <remarks>
/// Stops when the mean relative decrease of f over the last <see cref="Window"/> iterations falls below the
/// tolerance (<see cref="TrainingStopReason.Converged"/>), when the line search cannot decrease f any more (also
/// converged: in float arithmetic that is the noise floor), after the iteration budget
/// (<see cref="TrainingStopReason.BudgetSpent"/>), or on validation early stopping. One progress report per iteration.
/// </remarks>
internal sealed class LbfgsLoop(FullBatchObjective objective, LbfgsSettings settings, RunSettings run, ValidationEvaluator? evaluator,
    StoppingSettings stopping, long skippedRows)
{
    public const int HistorySize = 20;
    public const int Window = 5;
    private const double Armijo = 1e-4;
    private const int MaxBacktracks = 30;

    public (IReadOnlyDictionary<string, float[]> Parameters, IReadOnlyList<TrainingProgress> History) Run(IReadOnlyDictionary<string, float[]> initial)
    {
        int n = objective.Dimension;
        var x = objective.Flatten(initial);
        var g = new double[n];
        var xNext = new double[n];
        var gNext = new double[n];
        var direction = new double[n];
        var s = new List<double[]>();
        var y = new List<double[]>();
        var rho = new List<double>();
        var alpha = new double[HistorySize];
        var history = new List<TrainingProgress>();
        var losses = new List<double>();
        double f = objective.Evaluate(x, g);
        losses.Add(f);
        double[]? best = null;
        double bestMetric = double.PositiveInfinity;
        int sinceBest = 0;

        for (int iteration = 1; ; iteration++)
        {
            var clock = Stopwatch.StartNew();
            if (run.Cancellation.IsCancellationRequested)
            {
                run.Progress?.Report(new TrainingProgress(iteration, objective.Evaluations, f, null, null, 0, skippedRows, 0) { StopReason = TrainingStopReason.Cancelled });
                run.Cancellation.ThrowIfCancellationRequested();
            }
            TwoLoop(g, s, y, rho, alpha, direction);
            double slope = Dot(g, direction);
            if (!(slope < 0))
            {
                // Not a descent direction (curvature pairs gone stale): restart from steepest descent.
                s.Clear();
                y.Clear();
                rho.Clear();
                for (int i = 0; i < n; i++)
                    direction[i] = -g[i];
                slope = Dot(g, direction);
            }
            // The first step is scaled to unit length; later ones start at 1 (the recursion's natural scale).
            double step = s.Count == 0 ? 1 / Math.Max(1, Math.Sqrt(-slope)) : 1;
            double fNext = double.NaN;
            bool accepted = false;
            for (int b = 0; b < MaxBacktracks && !accepted; b++, step *= 0.5)
            {
                for (int i = 0; i < n; i++)
                    xNext[i] = x[i] + step * direction[i];
                fNext = objective.Evaluate(xNext, gNext);
                accepted = fNext <= f + Armijo * step * slope;
            }
            if (!accepted)
                return Finish(history, x, best, TrainingStopReason.Converged, iteration, f, clock, reportLast: true);

            Remember(s, y, rho, x, xNext, g, gNext, HistorySize);
            (x, xNext) = (xNext, x);
            (g, gNext) = (gNext, g);
            f = fNext;
            losses.Add(f);

            (double LogLoss, double Accuracy)? validation = evaluator?.Evaluate(objective.ToParameters(x));
            bool stopEarly = false;
            if (validation is { } v && stopping.Patience is { } patience)
            {
                double metric = stopping.Metric == EarlyStoppingMetric.Accuracy ? -v.Accuracy : v.LogLoss;
                if (metric < bestMetric)
                {
                    best = (double[])x.Clone();
                    bestMetric = metric;
                    sinceBest = 0;
                }
                else
                {
                    stopEarly = ++sinceBest >= patience;
                }
            }
            bool converged = losses.Count > Window
                && (losses[^(Window + 1)] - f) / Window <= settings.Tolerance * Math.Max(Math.Abs(f), 1e-8);
            TrainingStopReason? reason = stopEarly ? TrainingStopReason.EarlyStopping
                : converged ? TrainingStopReason.Converged
                : iteration >= settings.MaxIterations ? TrainingStopReason.BudgetSpent
                : null;
            var report = new TrainingProgress(iteration, objective.Evaluations, f, validation?.LogLoss, validation?.Accuracy,
                objective.TotalWeight / Math.Max(1e-9, clock.Elapsed.TotalSeconds), skippedRows, clock.Elapsed.TotalSeconds) { StopReason = reason };
            history.Add(report);
            run.Progress?.Report(report);
            if (reason is not null)
                return (objective.ToParameters(reason == TrainingStopReason.EarlyStopping && best is not null ? best : x), history);
        }
    }

    private (IReadOnlyDictionary<string, float[]>, IReadOnlyList<TrainingProgress>) Finish(List<TrainingProgress> history, double[] x, double[]? best,
        TrainingStopReason reason, int iteration, double f, Stopwatch clock, bool reportLast)
    {
        if (reportLast)
        {
            var report = new TrainingProgress(iteration, objective.Evaluations, f, null, null, 0, skippedRows, clock.Elapsed.TotalSeconds) { StopReason = reason };
            history.Add(report);
            run.Progress?.Report(report);
        }
        return (objective.ToParameters(best ?? x), history);
    }

    /// <summary>direction = −H·g by the two-loop recursion, H₀ = (sᵀy / yᵀy)·I.</summary>
    /// <summary>
    /// Keeps the curvature pair (s, y) = (xNext − x, gNext − g) of an accepted step when sᵀy is clearly positive (the
    /// inverse-Hessian estimate stays positive definite), dropping the oldest beyond <paramref name="historySize"/>.
    /// </summary>
    internal static void Remember(List<double[]> s, List<double[]> y, List<double> rho, double[] x, double[] xNext, double[] g, double[] gNext, int historySize)
    {
        int n = x.Length;
        var si = new double[n];
        var yi = new double[n];
        for (int i = 0; i < n; i++)
        {
            si[i] = xNext[i] - x[i];
            yi[i] = gNext[i] - g[i];
        }
        double sy = Dot(si, yi);
        if (!(sy > 1e-12 * Math.Sqrt(Dot(yi, yi) * Dot(si, si))))
            return;
        if (s.Count == historySize)
        {
            s.RemoveAt(0);
            y.RemoveAt(0);
            rho.RemoveAt(0);
        }
        s.Add(si);
        y.Add(yi);
        rho.Add(1 / sy);
    }

    /// <summary>The two-loop recursion: <paramref name="direction"/> = −H·g for the inverse Hessian H of the curvature pairs (s, y).</summary>
    internal static void TwoLoop(double[] g, List<double[]> s, List<double[]> y, List<double> rho, double[] alpha, double[] direction)
    {
        int n = g.Length;
        for (int i = 0; i < n; i++)
            direction[i] = -g[i];
        for (int k = s.Count - 1; k >= 0; k--)
        {
            alpha[k] = rho[k] * Dot(s[k], direction);
            Axpy(-alpha[k], y[k], direction);
        }
        if (s.Count > 0)
        {
            double gamma = Dot(s[^1], y[^1]) / Dot(y[^1], y[^1]);
            for (int i = 0; i < n; i++)
                direction[i] *= gamma;
        }
        for (int k = 0; k < s.Count; k++)
        {
            double beta = rho[k] * Dot(y[k], direction);
            Axpy(alpha[k] - beta, s[k], direction);
        }
    }

    internal static double Dot(double[] a, double[] b) => System.Numerics.Tensors.TensorPrimitives.Dot<double>(a, b);

    private static void Axpy(double a, double[] x, double[] y)
    {
        for (int i = 0; i < y.Length; i++)
            y[i] += a * x[i];
    }
}

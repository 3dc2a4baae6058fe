using MLNet.SoftTargets.Engine;

namespace MLNet.SoftTargets;

/// <summary>
/// Fits the log-linear calibration maps <c>softmax(W · log p + b)</c> by their mean negative log-likelihood on labelled
/// rows: vector scaling (W diagonal, Guo et al. 2017) and Dirichlet calibration with ODIR regularisation (W full, Kull
/// et al. 2019: <c>λ/(K(K−1))·Σ_{i≠j} W_ij² + μ/K·Σ_j b_j²</c> added to the mean NLL). Both objectives are convex; L-BFGS
/// from the identity map (W = I, b = 0, where the penalty is 0) accepts only decreasing steps, so the fitted map never
/// has a higher NLL on its own data than the scores it calibrates.
/// </summary>
internal static class LogLinearFit
{
    /// <summary>Probabilities below this are taken at it before the logarithm (a 0 becomes log 1e-12 ≈ −27.6).</summary>
    public const float ProbabilityFloor = 1e-12f;

    private const int MaxIterations = 1_000;
    private const double Tolerance = 1e-10;
    private const int HistorySize = 10;

    /// <param name="logP">Row-major [N, K] clamped log-probabilities.</param>
    /// <param name="labels">N 0-based labels.</param>
    /// <param name="k">K.</param>
    /// <param name="diagonal">Vector scaling (W diagonal, no penalty) rather than the full matrix.</param>
    /// <param name="offDiagonalL2">λ (full matrix only).</param>
    /// <param name="interceptL2">μ (full matrix only).</param>
    /// <returns>W as [K, K] row-major (z_i = Σ_j W_ij x_j + b_i) and b.</returns>
    public static (double[] W, double[] B) Fit(double[] logP, int[] labels, int k, bool diagonal, double offDiagonalL2 = 0, double interceptL2 = 0)
    {
        if (labels.Length == 0)
            throw new InvalidOperationException("Calibration needs at least one row with a label.");
        int n = labels.Length;
        int weights = diagonal ? k : k * k;
        var theta = new double[weights + k];
        for (int i = 0; i < k; i++)
            theta[diagonal ? i : i * k + i] = 1;

        var z = new double[k];
        double Objective(double[] t, double[] grad)
        {
            Array.Clear(grad);
            double total = 0;
            for (int r = 0; r < n; r++)
            {
                var x = logP.AsSpan(r * k, k);
                for (int i = 0; i < k; i++)
                {
                    double v = t[weights + i];
                    if (diagonal)
                        v += t[i] * x[i];
                    else
                    {
                        for (int j = 0; j < k; j++)
                            v += t[i * k + j] * x[j];
                    }
                    z[i] = v;
                }
                double max = z.Max(), sum = 0;
                for (int i = 0; i < k; i++)
                    sum += Math.Exp(z[i] - max);
                double lse = max + Math.Log(sum);
                total += lse - z[labels[r]];
                for (int i = 0; i < k; i++)
                {
                    double dz = (Math.Exp(z[i] - lse) - (i == labels[r] ? 1 : 0)) / n;
                    grad[weights + i] += dz;
                    if (diagonal)
                        grad[i] += dz * x[i];
                    else
                    {
                        for (int j = 0; j < k; j++)
                            grad[i * k + j] += dz * x[j];
                    }
                }
            }
            double value = total / n;
            if (!diagonal && k > 1)
            {
                double off = offDiagonalL2 / (k * (k - 1.0)), intercept = interceptL2 / k;
                for (int i = 0; i < k; i++)
                {
                    for (int j = 0; j < k; j++)
                    {
                        if (i == j)
                            continue;
                        double w = t[i * k + j];
                        value += off * w * w;
                        grad[i * k + j] += 2 * off * w;
                    }
                    double b = t[weights + i];
                    value += intercept * b * b;
                    grad[weights + i] += 2 * intercept * b;
                }
            }
            return value;
        }

        Minimize(Objective, theta);
        var wOut = new double[k * k];
        for (int i = 0; i < k; i++)
        {
            if (diagonal)
                wOut[i * k + i] = theta[i];
            else
            {
                for (int j = 0; j < k; j++)
                    wOut[i * k + j] = theta[i * k + j];
            }
        }
        return (wOut, theta[weights..]);
    }

    /// <summary>L-BFGS with an Armijo backtracking line search, in place; stops when a step no longer lowers the objective by a relative 1e-10.</summary>
    private static void Minimize(Func<double[], double[], double> objective, double[] x)
    {
        int d = x.Length;
        var g = new double[d];
        var xNext = new double[d];
        var gNext = new double[d];
        var direction = new double[d];
        var s = new List<double[]>();
        var y = new List<double[]>();
        var rho = new List<double>();
        var alpha = new double[HistorySize];
        double f = objective(x, g);
        for (int iteration = 0; iteration < MaxIterations; iteration++)
        {
            LbfgsLoop.TwoLoop(g, s, y, rho, alpha, direction);
            double slope = LbfgsLoop.Dot(g, direction);
            if (!(slope < 0))
            {
                s.Clear();
                y.Clear();
                rho.Clear();
                for (int i = 0; i < d; i++)
                    direction[i] = -g[i];
                slope = LbfgsLoop.Dot(g, direction);
                if (!(slope < 0))
                    return;
            }
            double step = s.Count == 0 ? 1 / Math.Max(1, Math.Sqrt(-slope)) : 1, fNext = double.NaN;
            bool accepted = false;
            for (int b = 0; b < 40 && !accepted; b++, step *= 0.5)
            {
                for (int i = 0; i < d; i++)
                    xNext[i] = x[i] + step * direction[i];
                fNext = objective(xNext, gNext);
                accepted = fNext <= f + 1e-4 * step * slope;
            }
            if (!accepted)
                return;
            LbfgsLoop.Remember(s, y, rho, x, xNext, g, gNext, HistorySize);
            xNext.CopyTo(x, 0);
            gNext.CopyTo(g, 0);
            bool converged = f - fNext <= Tolerance * Math.Max(1, Math.Abs(fNext));
            f = fNext;
            if (converged)
                return;
        }
    }
}

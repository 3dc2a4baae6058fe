namespace MLNet.SoftTargets.Tests.TestSupport;

/// <summary>
/// An independent, straightforward float64 implementation of the training step (MLP forward, soft-target
/// cross-entropy with temperature, weights and missing rows, hand-written backpropagation, optimizers), written
/// from the formulas rather than from the graph code, to check the generated ONNX graphs against.
/// </summary>
internal static class ManagedReference
{
    /// <summary>An MLP: weights [in, out] row-major and biases per layer; ReLU between layers.</summary>
    public sealed record Layer(double[] Weight, double[] Bias, int In, int Out);

    /// <summary>The MLP's logits and its last hidden activations (the input when there is no hidden layer).</summary>
    public static (double[] Logits, double[] Embedding) Forward(IReadOnlyList<Layer> layers, double[] x, int rows)
    {
        var activations = Activations(layers, x, rows);
        return (activations[^1], activations[^2]);
    }

    private static List<double[]> Activations(IReadOnlyList<Layer> layers, double[] x, int rows)
    {
        var activations = new List<double[]> { x };
        var h = x;
        for (int l = 0; l < layers.Count; l++)
        {
            var layer = layers[l];
            var z = new double[rows * layer.Out];
            for (int n = 0; n < rows; n++)
            {
                for (int o = 0; o < layer.Out; o++)
                {
                    double s = layer.Bias[o];
                    for (int i = 0; i < layer.In; i++)
                        s += h[n * layer.In + i] * layer.Weight[i * layer.Out + o];
                    z[n * layer.Out + o] = l < layers.Count - 1 ? Math.Max(0, s) : s;
                }
            }
            activations.Add(z);
            h = z;
        }
        return activations;
    }

    /// <summary>Loss and gradients of the MLP on a batch.</summary>
    public static (double Loss, List<(double[] Weight, double[] Bias)> Gradients) LossAndGradients(
        IReadOnlyList<Layer> layers, double[] x, int rows, double[] q, double[]? w, double temperature)
    {
        var activations = Activations(layers, x, rows);
        int k = layers[^1].Out;
        var logits = activations[^1];
        var dLogits = new double[rows * k];
        double weightSum = 0, total = 0;
        var rowWeight = new double[rows];
        for (int n = 0; n < rows; n++)
        {
            bool missing = Enumerable.Range(0, k).Any(c => double.IsNaN(q[n * k + c]));
            rowWeight[n] = missing ? 0 : (w?[n] ?? 1);
            weightSum += rowWeight[n];
        }
        for (int n = 0; n < rows; n++)
        {
            if (rowWeight[n] == 0)
                continue;
            var scaled = Enumerable.Range(0, k).Select(c => logits[n * k + c] / temperature).ToArray();
            double max = scaled.Max();
            double logZ = max + Math.Log(scaled.Sum(s => Math.Exp(s - max)));
            double qSum = 0;
            for (int c = 0; c < k; c++)
            {
                total += rowWeight[n] * -q[n * k + c] * (scaled[c] - logZ);
                qSum += q[n * k + c];
            }
            // d/dz of -Σ q log softmax(z/T) = (softmax(z/T)·Σq - q) / T.
            for (int c = 0; c < k; c++)
                dLogits[n * k + c] = rowWeight[n] * (Math.Exp(scaled[c] - logZ) * qSum - q[n * k + c]) / temperature;
        }
        double loss = total / weightSum;
        for (int i = 0; i < dLogits.Length; i++)
            dLogits[i] /= weightSum;

        // Backward.
        var gradients = new List<(double[] Weight, double[] Bias)>();
        var delta = dLogits;
        for (int l = layers.Count - 1; l >= 0; l--)
        {
            var layer = layers[l];
            var input = activations[l];
            var dw = new double[layer.In * layer.Out];
            var db = new double[layer.Out];
            for (int n = 0; n < rows; n++)
            {
                for (int o = 0; o < layer.Out; o++)
                {
                    double d = delta[n * layer.Out + o];
                    db[o] += d;
                    for (int i = 0; i < layer.In; i++)
                        dw[i * layer.Out + o] += input[n * layer.In + i] * d;
                }
            }
            gradients.Insert(0, (dw, db));
            if (l == 0)
                break;
            var previous = new double[rows * layer.In];
            for (int n = 0; n < rows; n++)
            {
                for (int i = 0; i < layer.In; i++)
                {
                    if (input[n * layer.In + i] <= 0)
                        continue;
                    double s = 0;
                    for (int o = 0; o < layer.Out; o++)
                        s += delta[n * layer.Out + o] * layer.Weight[i * layer.Out + o];
                    previous[n * layer.In + i] = s;
                }
            }
            delta = previous;
        }
        return (loss, gradients);
    }

    /// <summary>PyTorch's Adam/AdamW step (t counted from 1).</summary>
    public static void Adam(double[] p, double[] g, double[] m, double[] v, double lr, int t, double b1, double b2, double eps, double wd, bool decoupled)
    {
        for (int i = 0; i < p.Length; i++)
        {
            double grad = g[i];
            if (wd > 0 && decoupled)
                p[i] *= 1 - lr * wd;
            else if (wd > 0)
                grad += wd * p[i];
            m[i] = b1 * m[i] + (1 - b1) * grad;
            v[i] = b2 * v[i] + (1 - b2) * grad * grad;
            double mHat = m[i] / (1 - Math.Pow(b1, t));
            double denominator = Math.Sqrt(v[i]) / Math.Sqrt(1 - Math.Pow(b2, t)) + eps;
            p[i] -= lr * mHat / denominator;
        }
    }

    /// <summary>PyTorch's SGD step (dampening 0).</summary>
    public static void Sgd(double[] p, double[] g, double[] buffer, double lr, double momentum, bool nesterov, double wd)
    {
        for (int i = 0; i < p.Length; i++)
        {
            double d = g[i] + wd * p[i];
            if (momentum > 0)
            {
                buffer[i] = momentum * buffer[i] + d;
                d = nesterov ? d + momentum * buffer[i] : buffer[i];
            }
            p[i] -= lr * d;
        }
    }
}

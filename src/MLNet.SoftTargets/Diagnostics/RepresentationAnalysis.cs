using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets;

/// <summary>Computes <see cref="RepresentationMetrics"/> and <see cref="TemplatePlaneProjection"/> from scored data.</summary>
internal static class RepresentationAnalysis
{
    public static RepresentationMetrics Analyze(IDataView data, string labelColumnName, string embeddingColumnName, string? logitsColumnName)
    {
        var (rows, labels, classCount) = Read(data, labelColumnName, embeddingColumnName);
        if (labels.Count == 0)
            throw new InvalidOperationException($"No rows with a label in column '{labelColumnName}' to analyse.");
        NormStatistics? logitNorm = null;
        if (logitsColumnName is not null && data.Schema.GetColumnOrNull(logitsColumnName) is not null)
        {
            var (logits, logitLabels, _) = Read(data, labelColumnName, logitsColumnName);
            logitNorm = Norms(logits, logitLabels, classCount);
        }

        int d = rows[0].Length;
        var centroids = new double[classCount][];
        var counts = new int[classCount];
        for (int c = 0; c < classCount; c++)
            centroids[c] = new double[d];
        for (int i = 0; i < rows.Count; i++)
        {
            counts[labels[i]]++;
            for (int j = 0; j < d; j++)
                centroids[labels[i]][j] += rows[i][j];
        }
        for (int c = 0; c < classCount; c++)
        {
            for (int j = 0; j < d && counts[c] > 0; j++)
                centroids[c][j] /= counts[c];
        }
        var intra = new double[classCount];
        for (int i = 0; i < rows.Count; i++)
            intra[labels[i]] += Distance(rows[i], centroids[labels[i]]);
        double intraMean = intra.Sum() / rows.Count;
        for (int c = 0; c < classCount; c++)
            intra[c] = counts[c] == 0 ? double.NaN : intra[c] / counts[c];
        double inter = 0;
        int pairs = 0;
        for (int a = 0; a < classCount; a++)
        {
            for (int b = a + 1; b < classCount; b++)
            {
                if (counts[a] == 0 || counts[b] == 0)
                    continue;
                inter += Distance(centroids[a], centroids[b]);
                pairs++;
            }
        }
        inter = pairs == 0 ? double.NaN : inter / pairs;
        return new RepresentationMetrics
        {
            FeatureNorm = Norms(rows, labels, classCount),
            LogitNorm = logitNorm,
            TightnessRatio = intraMean / inter,
            IntraClassDistance = intra,
            InterCentroidDistance = inter,
            RowCount = rows.Count,
        };
    }

    /// <summary>
    /// Projects the embeddings of rows of three classes onto the plane through those classes' templates
    /// <c>w_a, w_b, w_c</c> (columns of the last layer's weight matrix): origin <c>w_a</c>, orthonormal basis from
    /// Gram–Schmidt on <c>w_b − w_a</c> and <c>w_c − w_a</c>.
    /// </summary>
    public static TemplatePlaneProjection Project(SoftTargetCrossEntropyModel model, IDataView scored, IReadOnlyList<int> classes,
        string labelColumnName, string embeddingColumnName, int maxPointsPerClass)
    {
        if (classes.Count != 3 || classes.Distinct().Count() != 3 || classes.Any(c => c < 0 || c >= model.ClassCount))
            throw new ArgumentOutOfRangeException(nameof(classes), string.Join(",", classes), $"Give three different 0-based class indices below {model.ClassCount}.");
        var spec = model.Spec;
        var weight = model.GetParameters()[$"layer{spec.HiddenSizes.Count}.weight"];
        int e = spec.EmbeddingSize, k = spec.ClassCount;
        double[] Template(int c) => Enumerable.Range(0, e).Select(i => (double)weight[i * k + c]).ToArray();
        var wa = Template(classes[0]);
        var u1 = Subtract(Template(classes[1]), wa);
        var u2 = Subtract(Template(classes[2]), wa);
        var e1 = Scale(u1, 1 / Norm(u1));
        var proj = Dot(u2, e1);
        var orthogonal = Subtract(u2, Scale(e1, proj));
        var e2 = Scale(orthogonal, 1 / Norm(orthogonal));
        (double, double) InPlane(double[] x)
        {
            var shifted = Subtract(x, wa);
            return (Dot(shifted, e1), Dot(shifted, e2));
        }

        var (rows, labels, _) = Read(scored, labelColumnName, embeddingColumnName);
        var points = new List<(double, double, int)>();
        var taken = new int[3];
        for (int i = 0; i < rows.Count; i++)
        {
            int which = IndexOf(classes, labels[i]);
            if (which < 0 || taken[which] >= maxPointsPerClass)
                continue;
            taken[which]++;
            var (x, y) = InPlane(Array.ConvertAll(rows[i], v => (double)v));
            points.Add((x, y, which));
        }
        var templates = new[] { (0.0, 0.0), InPlane(Template(classes[1])), InPlane(Template(classes[2])) };
        return new TemplatePlaneProjection(classes.Select(c => model.ClassNames[c]).ToArray(), templates, points);
    }

    private static int IndexOf(IReadOnlyList<int> values, int value)
    {
        for (int i = 0; i < values.Count; i++)
        {
            if (values[i] == value)
                return i;
        }
        return -1;
    }

    private static (List<float[]> Rows, List<int> Labels, int ClassCount) Read(IDataView data, string labelColumnName, string vectorColumnName)
    {
        var (label, classCount) = ColumnContract.RequireKeyLabel(data.Schema, labelColumnName, nameof(labelColumnName), "data");
        var (vector, _) = ColumnContract.RequireFloatVector(data.Schema, vectorColumnName, nameof(vectorColumnName), "data",
            hint: "Train with OutputEmbedding = true (and OutputLogits = true) to get it.");
        var rows = new List<float[]>();
        var labels = new List<int>();
        LabelledRows.ForEach(data, label, vector, (values, key, _) =>
        {
            rows.Add(values.ToArray());
            labels.Add(key);
        });
        return (rows, labels, classCount);
    }

    private static NormStatistics Norms(List<float[]> rows, List<int> labels, int classCount)
    {
        var norms = rows.Select(r => Math.Sqrt(r.Sum(v => (double)v * v))).ToArray();
        var sorted = norms.Order().ToArray();
        var perClass = Enumerable.Range(0, classCount)
            .Select(c => labels.Select((l, i) => (l, i)).Where(p => p.l == c).Select(p => norms[p.i]).DefaultIfEmpty(double.NaN).Average())
            .ToArray();
        return new NormStatistics(norms.Average(), Percentile(sorted, 0.5), Percentile(sorted, 0.1), Percentile(sorted, 0.9), perClass);
    }

    /// <summary>Linear interpolation between closest ranks.</summary>
    private static double Percentile(double[] sorted, double q)
    {
        double position = q * (sorted.Length - 1);
        int low = (int)Math.Floor(position), high = (int)Math.Ceiling(position);
        return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
    }

    private static double Distance(float[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++)
            s += (a[i] - b[i]) * (a[i] - b[i]);
        return Math.Sqrt(s);
    }

    private static double Distance(double[] a, double[] b) => Norm(Subtract(a, b));

    private static double[] Subtract(double[] a, double[] b) => a.Select((v, i) => v - b[i]).ToArray();

    private static double[] Scale(double[] a, double s) => a.Select(v => v * s).ToArray();

    private static double Dot(double[] a, double[] b) => a.Select((v, i) => v * b[i]).Sum();

    private static double Norm(double[] a) => Math.Sqrt(Dot(a, a));
}

using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SoftTargets.Tests.Calibration;

/// <summary>
/// Vector scaling and Dirichlet calibration: recovering a planted class-dependent distortion (held-out NLL near the true
/// NLL; vector scaling beats temperature scaling), never raising the NLL of their own data, zero probabilities, any
/// model's Score, slot names, save → stock load equal, PredictionEngine, disposal and bad arguments.
/// </summary>
[TestClass]
public sealed class LogLinearCalibrationTests
{
    /// <summary>
    /// A model whose scores q = softmax(z) (z ~ N(0, 1.5²) per class) are miscalibrated in a known way: the true class
    /// probabilities are p = softmax(W*·log q + b*), and the labels are drawn from p. A calibrator that finds W*, b* turns q
    /// back into p; the NLL of p on the labels is the best any calibrator can reach. <paramref name="w"/> is W*'s diagonal,
    /// <paramref name="mixing"/> its entries W*[i, i+1 mod K].
    /// </summary>
    private static (IDataView Data, double TrueNll) Planted(MLContext ml, int rows, int seed, double[] w, double mixing, double[]? b = null)
    {
        int k = w.Length;
        var rng = new Random(seed);
        var data = new (float[] Score, int Label)[rows];
        double nll = 0;
        for (int r = 0; r < rows; r++)
        {
            var q = Softmax(Enumerable.Range(0, k).Select(_ => 1.5 * Normal(rng)).ToArray()).Select(v => (float)v).ToArray();
            var logQ = q.Select(v => Math.Log(Math.Max(v, 1e-12f))).ToArray();
            var truth = Softmax(Enumerable.Range(0, k).Select(i => w[i] * logQ[i] + mixing * logQ[(i + 1) % k] + (b?[i] ?? 0.1 * i)).ToArray());
            int label = Sample(rng, truth);
            nll -= Math.Log(truth[label]);
            data[r] = (q, label);
        }
        return (EvaluateCalibrationTests.Scored(ml, k, data), nll / rows);
    }

    private static double Nll(MLContext ml, IDataView scored) => ml.MulticlassClassification.EvaluateCalibration(scored).LogLoss;

    [TestMethod]
    public void PlantedClassDependentDistortion_IsRecovered_AndVectorScalingBeatsTemperatureScaling()
    {
        var ml = TestData.Context();
        double[] scales = [0.5, 0.8, 1.3, 1.7, 1.0];
        var (fit, _) = Planted(ml, 6000, 1, scales, 0);
        var (test, trueNll) = Planted(ml, 6000, 2, scales, 0);
        double raw = Nll(ml, test);
        using var vs = ml.Transforms.CalibrateVectorScaling().Fit(fit);
        using var dirichlet = ml.Transforms.CalibrateDirichlet().Fit(fit);
        var ts = ml.Transforms.CalibrateTemperature().Fit(fit);
        double nllVs = Nll(ml, vs.Transform(test)), nllDir = Nll(ml, dirichlet.Transform(test)), nllTs = Nll(ml, ts.Transform(test));
        Console.WriteLine($"true {trueNll:F4}, raw {raw:F4}, TS {nllTs:F4}, VS {nllVs:F4}, Dirichlet {nllDir:F4}");
        Assert.IsLessThan(0.015, nllVs - trueNll, "vector scaling near the true NLL");
        Assert.IsLessThan(0.015, nllDir - trueNll, "Dirichlet near the true NLL");
        Assert.IsLessThan(nllTs - 0.01, nllVs, "one temperature cannot undo class-dependent scales");
        // The fitted diagonal is the planted one.
        for (int c = 0; c < scales.Length; c++)
            Assert.AreEqual(scales[c], vs.Matrix[c * scales.Length + c], 0.2, $"w[{c}]: fitted {string.Join(", ", Enumerable.Range(0, scales.Length).Select(i => vs.Matrix[i * scales.Length + i].ToString("F3")))}");
    }

    [TestMethod]
    public void PlantedMixingDistortion_IsRecoveredByDirichletOnly()
    {
        var ml = TestData.Context();
        double[] scales = [1.0, 0.6, 1.0, 0.8];
        var (fit, _) = Planted(ml, 8000, 3, scales, 0.6);
        var (test, trueNll) = Planted(ml, 8000, 4, scales, 0.6);
        using var vs = ml.Transforms.CalibrateVectorScaling().Fit(fit);
        using var dirichlet = ml.Transforms.CalibrateDirichlet().Fit(fit);
        double nllVs = Nll(ml, vs.Transform(test)), nllDir = Nll(ml, dirichlet.Transform(test));
        Console.WriteLine($"true {trueNll:F4}, VS {nllVs:F4}, Dirichlet {nllDir:F4}");
        Assert.IsLessThan(0.015, nllDir - trueNll);
        Assert.IsLessThan(nllVs - 0.01, nllDir, "a full matrix undoes the mixing of neighbouring logits");
    }

    [TestMethod]
    [DataRow(0.0, 11)]
    [DataRow(0.5, 12)]
    [DataRow(0.0, 13)]
    public void Fitting_NeverRaisesTheNllOfItsOwnData(double mixing, int seed)
    {
        var ml = TestData.Context();
        // Already calibrated (scales 1, no mixing) and distorted data, few rows (over-fitting would be easy).
        var (data, _) = Planted(ml, 60, seed, mixing == 0 && seed == 11 ? [1.0, 1.0, 1.0] : [0.5, 2, 1.2], mixing);
        double before = Nll(ml, data);
        using var vs = ml.Transforms.CalibrateVectorScaling().Fit(data);
        using var dirichlet = ml.Transforms.CalibrateDirichlet(offDiagonalL2: 1, interceptL2: 1).Fit(data);
        Assert.IsLessThanOrEqualTo(before + 1e-9, Nll(ml, vs.Transform(data)));
        Assert.IsLessThanOrEqualTo(before + 1e-9, Nll(ml, dirichlet.Transform(data)));
    }

    [TestMethod]
    public void ZeroProbabilities_AreClamped_AndRowsThatAreNotDistributionsBecomeNaN()
    {
        var ml = TestData.Context();
        var data = EvaluateCalibrationTests.Scored(ml, 3, [([1f, 0f, 0f], 0), ([0f, 1f, 0f], 1), ([0.2f, 0.3f, 0.5f], 2), ([0f, 0f, 1f], 1), ([0.6f, 0.4f, 0f], 0)]);
        using var dirichlet = ml.Transforms.CalibrateDirichlet().Fit(data);
        var rows = TestData.Rows(dirichlet.Transform(data), "Score");
        Assert.IsTrue(rows.All(r => r.All(float.IsFinite) && Math.Abs(r.Sum() - 1) < 1e-5), "finite distributions");
        var bad = EvaluateCalibrationTests.Scored(ml, 3, [([float.NaN, 0.5f, 0.5f], 0), ([-0.1f, 0.6f, 0.5f], 0), ([0f, 0f, 0f], 0), ([0.2f, 0.3f, 0.5f], 0)]);
        var mapped = TestData.Rows(dirichlet.Transform(bad), "Score");
        Assert.IsTrue(mapped.Take(3).All(r => r.All(float.IsNaN)), "NaN, negative and all-zero rows are missing rows");
        Assert.IsTrue(mapped[3].All(float.IsFinite));
        // The saved form agrees row for row, the bad rows too.
        var loaded = TestData.SaveAndLoad(dirichlet, bad.Schema);
        TestData.AssertRowsEqual(mapped, TestData.Rows(loaded.Transform(bad), "Score"), 1e-5, "stock chain");
    }

    [TestMethod]
    public void OnAModelsScore_TheCalibratorsKeepSlotNames_AndSaveAndLoadInStockMlNetWithEqualScores()
    {
        var ml = TestData.Context();
        var (train, test) = DigitsData.Split(ml);
        // ML.NET's own multiclass model and ours.
        var lbfgs = ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy().Fit(train);
        using var ours = new SoftTargetCrossEntropyTrainer(new SoftTargetCrossEntropyTrainer.Options { SoftTargetColumnName = null, Device = TrainingDevice.Cpu }).Fit(train);
        foreach (var (name, model) in new (string, ITransformer)[] { ("LbfgsMaximumEntropy", lbfgs), ("SoftTargetCrossEntropy", ours) })
        {
            var scored = model.Transform(test);
            foreach (var calibrator in new IEstimator<LogLinearCalibrationTransformer>[] { ml.Transforms.CalibrateVectorScaling(), ml.Transforms.CalibrateDirichlet() })
            {
                using var fitted = calibrator.Fit(scored);
                string what = $"{name} + {fitted.Kind}";
                var calibrated = fitted.Transform(scored);
                var expectedNames = scored.Schema["Score"].HasSlotNames() ? TestData.SlotNames(scored.Schema["Score"]) : null;
                if (expectedNames is not null)
                    CollectionAssert.AreEqual(expectedNames, TestData.SlotNames(calibrated.Schema["Score"]), $"{what}: slot names");
                var inMemory = TestData.Rows(calibrated, "Score");
                var loaded = TestData.SaveAndLoad(fitted, scored.Schema);
                var fromStock = loaded.Transform(scored);
                if (expectedNames is not null)
                    CollectionAssert.AreEqual(expectedNames, TestData.SlotNames(fromStock.Schema["Score"]), $"{what}: slot names after load");
                TestData.AssertRowsEqual(inMemory, TestData.Rows(fromStock, "Score"), 1e-5, what);
                Assert.IsLessThanOrEqualTo(Nll(ml, scored) + 1e-9, Nll(ml, calibrated), $"{what}: NLL on its own data");
                // The arg-max may change (unlike temperature scaling), but the calibrated scores are distributions.
                Assert.IsTrue(inMemory.All(r => Math.Abs(r.Sum() - 1) < 1e-5));
            }
        }
    }

    [TestMethod]
    public void PredictionEngine_Disposal_AndBadArguments()
    {
        var ml = TestData.Context();
        var data = EvaluateCalibrationTests.Scored(ml, 2, [([0.9f, 0.1f], 0), ([0.2f, 0.8f], 1), ([0.6f, 0.4f], 1)]);
        var fitted = ml.Transforms.CalibrateVectorScaling().Fit(data);
        var definition = SchemaDefinition.Create(typeof(EvaluateCalibrationTests.ScoredRow));
        definition["Label"].ColumnType = new KeyDataViewType(typeof(uint), 2);
        definition["Score"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 2);
        using (var engine = ml.Model.CreatePredictionEngine<EvaluateCalibrationTests.ScoredRow, ScoreOnly>(fitted, inputSchemaDefinition: definition))
        {
            var p = engine.Predict(new EvaluateCalibrationTests.ScoredRow { Score = [0.9f, 0.1f], Label = 0 });
            var expected = new float[2];
            Assert.IsTrue(fitted.Map([0.9f, 0.1f], expected));
            CollectionAssert.AreEqual(expected, p.Score);
        }
        fitted.Dispose();
        fitted.Dispose();
        Assert.ThrowsExactly<ObjectDisposedException>(() => fitted.Transform(data));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.CalibrateDirichlet(offDiagonalL2: -1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.CalibrateDirichlet(interceptL2: double.NaN));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.CalibrateVectorScaling(scoreColumnName: "Nope").Fit(data));
        StringAssert.Contains(e.Message, "Nope");
        using var two = ml.Transforms.CalibrateDirichlet().Fit(data);
        var three = EvaluateCalibrationTests.Scored(ml, 3, [([0.2f, 0.3f, 0.5f], 0)]);
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => two.Transform(three));
        StringAssert.Contains(e.Message, "2 probabilities");
    }

    public sealed class ScoreOnly
    {
        public float[] Score { get; set; } = [];
    }

    private static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    private static double[] Softmax(double[] z)
    {
        double max = z.Max();
        var e = z.Select(v => Math.Exp(v - max)).ToArray();
        double sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }

    private static int Sample(Random rng, double[] p)
    {
        double u = rng.NextDouble(), c = 0;
        for (int i = 0; i < p.Length; i++)
        {
            c += p[i];
            if (u < c)
                return i;
        }
        return p.Length - 1;
    }
}

using Microsoft.ML;
using static MLNet.SoftTargets.Tests.Reliability.MadeUpData;

namespace MLNet.SoftTargets.Tests.Reliability;

/// <summary>
/// Validation data that does not match the training data is refused at <c>Fit(train, validation)</c> with an
/// <see cref="ArgumentException"/> or <see cref="InvalidOperationException"/> whose message names the column and
/// both values (the training data's and the validation data's).
/// </summary>
/// <remarks>
/// This is the contract being added to the trainer; the library did not check it when these tests were written, so
/// they fail until it does (nothing here is ignored on purpose).
/// </remarks>
[TestClass]
public sealed class ValidationMismatchTests
{
    private static readonly string[] Animals = ["cat", "dog", "eel"];

    private static IDataView Train(MLContext ml) => View(ml, Animals, Rows(60, 13, Animals));

    private static Exception FitWith(IDataView train, IDataView validation, SoftTargetCrossEntropyTrainer.Options? options = null)
    {
        TrainingProgress? last = null;
        try
        {
            new SoftTargetCrossEntropyTrainer((options ?? Adam) with { Progress = new Trainer.SynchronousProgress(p => last = p) }).Fit(train, validation);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return e;
        }
        catch (Exception e)
        {
            Assert.Fail($"expected an ArgumentException or InvalidOperationException, got {e.GetType()}: {e.Message} at {e.StackTrace?.Split('\n').FirstOrDefault()?.Trim()}");
        }
        Assert.Fail($"Fit trained without an error; last report: validation log-loss {last?.ValidationLogLoss}, validation accuracy {last?.ValidationAccuracy}, stop {last?.StopReason}");
        return null!;
    }

    private static void AssertNames(Exception e, string column, params object[] values)
    {
        StringAssert.Contains(e.Message, $"'{column}'", $"the column ({e.GetType().Name}: {e.Message} at {e.StackTrace?.Split('\n').FirstOrDefault()?.Trim()})");
        foreach (var value in values)
        {
            bool found = value is int n ? ContainsNumber(e.Message, n) : e.Message.Contains($"{value}", StringComparison.Ordinal);
            Assert.IsTrue(found, $"the value {value} ({e.GetType().Name}: {e.Message})");
        }
    }

    [TestMethod]
    [DataRow("adam")]
    [DataRow("defaults")]
    public void ValidationFeaturesOfAnotherSize_AreRefused_NamingTheColumnAndBothSizes(string path)
    {
        var ml = TestData.Context();
        var validation = View(ml, Animals, Rows(30, 12, Animals, seed: 2));
        AssertNames(FitWith(Train(ml), validation, Path(path)), "Features", 13, 12);
    }

    [TestMethod]
    public void AValidationLabelWithOtherKeyValues_IsRefused_NamingTheColumnAndTheValuesThatDiffer()
    {
        var ml = TestData.Context();
        string[] others = ["cat", "dog", "fox"];
        var validation = View(ml, others, Rows(30, 13, others, seed: 2));
        AssertNames(FitWith(Train(ml), validation), "Label", "eel", "fox");
    }

    [TestMethod]
    public void AValidationLabelWithFewerClasses_IsRefused_NamingTheColumnAndBothCounts()
    {
        var ml = TestData.Context();
        string[] two = ["cat", "dog"];
        var validation = View(ml, two, Rows(30, 13, two, seed: 2));
        AssertNames(FitWith(Train(ml), validation), "Label", 3, 2);
    }

    [TestMethod]
    public void AValidationLabelWithMoreClasses_IsRefused_NamingTheColumnAndBothCounts()
    {
        var ml = TestData.Context();
        string[] five = ["cat", "dog", "eel", "fox", "gnu"];
        var validation = View(ml, five, Rows(30, 13, five, seed: 2));
        AssertNames(FitWith(Train(ml), validation), "Label", 3, 5);
    }

    [TestMethod]
    public void AValidationSoftTargetOfAnotherWidth_IsRefused_NamingTheColumnAndBothWidths()
    {
        var ml = TestData.Context();
        var validation = View(ml, Animals, Rows(30, 13, Animals, seed: 2, softWidth: 4));
        AssertNames(FitWith(Train(ml), validation), "SoftTarget", 3, 4);
    }
}

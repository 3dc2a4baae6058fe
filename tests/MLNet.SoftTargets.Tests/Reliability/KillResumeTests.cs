using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;

namespace MLNet.SoftTargets.Tests.Reliability;

/// <summary>
/// A training process killed with SIGKILL mid-run and started again with the same checkpoint directory resumes and
/// ends with exactly (bit for bit) the scores of an uninterrupted run. The process is
/// <c>tests/MLNet.SoftTargets.TrainingHost</c> (built with this project; its dll's path is baked into this assembly).
/// </summary>
[TestClass]
public sealed class KillResumeTests
{
    private const int Epochs = 60;
    private const int StepsPerEpoch = 44; // 1,400 rows in batches of 32
    private static readonly TimeSpan RunLimit = TimeSpan.FromMinutes(2);

    private static string HostDll()
    {
        string? path = typeof(KillResumeTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "TrainingHostDll")?.Value;
        Assert.IsFalse(string.IsNullOrEmpty(path), "the test assembly carries no TrainingHostDll metadata");
        Assert.IsTrue(File.Exists(path), $"'{path}' does not exist: build tests/MLNet.SoftTargets.TrainingHost (the test project builds it)");
        return path!;
    }

    /// <summary>The dotnet host that runs these tests (the CLI sets DOTNET_HOST_PATH for its children), else the one on PATH.</summary>
    private static string Dotnet() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    private sealed class HostRun : IDisposable
    {
        private readonly StringBuilder _output = new();

        public HostRun(string checkpointDirectory, string scoresFile)
        {
            var start = new ProcessStartInfo(Dotnet())
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            foreach (var argument in new[] { HostDll(), checkpointDirectory, scoresFile, Epochs.ToString(System.Globalization.CultureInfo.InvariantCulture) })
                start.ArgumentList.Add(argument);
            Process = new Process { StartInfo = start };
            Process.OutputDataReceived += (_, e) => Append(e.Data);
            Process.ErrorDataReceived += (_, e) => Append("stderr: " + e.Data);
            Process.Start();
            Process.BeginOutputReadLine();
            Process.BeginErrorReadLine();
        }

        public Process Process { get; }

        public string Output
        {
            get
            {
                lock (_output)
                    return _output.ToString();
            }
        }

        private void Append(string? line)
        {
            if (line is null)
                return;
            lock (_output)
                _output.AppendLine(line);
        }

        public void WaitToTheEnd()
        {
            Assert.IsTrue(Process.WaitForExit(RunLimit), "the training host did not finish in time");
            Process.WaitForExit(); // drains the redirected output
            Assert.AreEqual(0, Process.ExitCode, Output);
        }

        /// <summary>Waits until <paramref name="ready"/> holds (polling every 2 ms), then sends SIGKILL.</summary>
        public void KillWhen(Func<bool> ready, string what)
        {
            var clock = Stopwatch.StartNew();
            while (!ready())
            {
                Assert.IsFalse(Process.HasExited, $"the run ended before {what}: {Output}");
                Assert.IsLessThan(RunLimit, clock.Elapsed, $"waited too long for {what}");
                Thread.Sleep(2);
            }
            Process.Kill(); // SIGKILL on Linux: no finally blocks, no flushing, nothing written after this
            Process.WaitForExit();
        }

        public void Dispose()
        {
            if (!Process.HasExited)
                Process.Kill(entireProcessTree: true);
            Process.Dispose();
        }
    }

    /// <summary>The step of the run's "Resuming from the checkpoint ... step S" log line.</summary>
    private static long ResumedStep(string output)
    {
        var match = Regex.Match(output, @"Resuming from the checkpoint in '[^']*': step (\d+)");
        Assert.IsTrue(match.Success, "the restarted run did not resume from its checkpoint: " + output);
        return long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    [TestMethod]
    public void ARunKilledWithSigkillTwice_AndResumed_EndsWithExactlyTheScoresOfAnUninterruptedRun()
    {
        string root = Path.Combine(Path.GetTempPath(), "softtarget-kill-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        try
        {
            string scoresA = Path.Combine(root, "a.txt"), scoresB = Path.Combine(root, "b.txt");
            string directoryA = Path.Combine(root, "a"), directoryB = Path.Combine(root, "b");
            using (var uninterrupted = new HostRun(directoryA, scoresA))
                uninterrupted.WaitToTheEnd();

            // First kill: as soon as the first checkpoint file exists.
            string checkpoint = Path.Combine(directoryB, "checkpoint.bin");
            using (var first = new HostRun(directoryB, scoresB))
                first.KillWhen(() => File.Exists(checkpoint), "the first checkpoint");
            Assert.IsFalse(File.Exists(scoresB), "the killed run had already finished");

            // Second kill: once the resumed run has reported a new epoch (wherever its checkpoint writes are then).
            long firstResume;
            using (var second = new HostRun(directoryB, scoresB))
            {
                second.KillWhen(() => Regex.IsMatch(second.Output, @"Resuming[^\n]*\n(.*\n)*epoch \d+:"), "an epoch after resuming");
                firstResume = ResumedStep(second.Output);
            }
            Assert.IsFalse(File.Exists(scoresB), "the second killed run had already finished");
            Assert.IsTrue(firstResume is > 0 and < Epochs * StepsPerEpoch, $"resumed mid-run, at step {firstResume}");

            using (var last = new HostRun(directoryB, scoresB))
            {
                last.WaitToTheEnd();
                long secondResume = ResumedStep(last.Output);
                Assert.IsTrue(secondResume > firstResume && secondResume < Epochs * StepsPerEpoch, $"resumed at step {secondResume}, after {firstResume}");
            }

            string[] a = File.ReadAllLines(scoresA), b = File.ReadAllLines(scoresB);
            Assert.HasCount(100, a, "scored rows");
            Assert.IsTrue(a.Distinct().Count() > 50, "the rows have different scores (the model learned something)");
            CollectionAssert.AreEqual(a, b, "Score bits of the resumed run vs the uninterrupted run");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}

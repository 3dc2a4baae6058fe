using System.Diagnostics;
using MLNet.SoftTargets.Graphs.Blocks;

namespace MLNet.SoftTargets.Engine;

/// <summary>
/// The epoch loop: batches → (mixing, the teacher's logits) → steps with the scheduled learning rate, checkpoints,
/// validation, progress and early stopping. Resumes from a checkpoint whose fingerprint is that of <paramref name="settings"/>.
/// </summary>
internal sealed class TrainingLoop(TrainingSettings settings, RunSettings run, TrainStepGraph graph, TrainStepRunner runner,
    BatchSource source, ValidationEvaluator? evaluator, BatchMixer? mixer = null, TeacherRunner? teacher = null)
{
    private readonly string _fingerprint = settings.Fingerprint;
    private readonly BatchSettings _batches = settings.Batches;
    private readonly List<TrainingProgress> _history = [];
    private int _epoch;
    private long _batchesInEpoch;
    private double _epochLossSum;
    private int _epochBatches;

    public (IReadOnlyDictionary<string, float[]> Parameters, IReadOnlyList<TrainingProgress> History) Run()
    {
        TryResume();
        long totalSteps = TotalSteps();
        IReadOnlyDictionary<string, float[]>? best = null;
        double bestMetric = double.NaN;
        int sinceBest = 0;
        double bestLoss = double.PositiveInfinity;
        int sinceBestLoss = 0;

        for (; _epoch < _batches.Epochs; _epoch++)
        {
            var clock = Stopwatch.StartNew();
            long samples = 0;
            using (var batches = source.StartEpoch(_epoch, _batches.BatchSize, _batchesInEpoch))
            {
                while (true)
                {
                    if (run.Cancellation.IsCancellationRequested)
                    {
                        WriteCheckpoint();
                        run.Progress?.Report(new TrainingProgress(_epoch + 1, runner.StepCount, _epochBatches == 0 ? double.NaN : _epochLossSum / _epochBatches,
                            null, null, samples / Math.Max(1e-9, clock.Elapsed.TotalSeconds), source.SkippedRows, clock.Elapsed.TotalSeconds)
                        { StopReason = TrainingStopReason.Cancelled });
                        run.Cancellation.ThrowIfCancellationRequested();
                    }
                    int rows = batches.Next(runner.Features, runner.Targets, runner.Weights);
                    if (rows == 0)
                        break;
                    // Mixing and the teacher depend on (seed, step) and the batch alone: a resumed run repeats them.
                    mixer?.Apply(runner.Features, runner.Targets, runner.Weights, rows, runner.StepCount + 1);
                    teacher?.Run(rows, runner.TeacherLogitBuffer);
                    double rate = LearningRates.At(settings.Optimizer.LearningRate, settings.Schedule, runner.StepCount, _epoch, totalSteps);
                    float loss = runner.Step(rows, (float)rate);
                    if (!float.IsFinite(loss))
                        throw new InvalidOperationException(
                            $"The training loss became {loss} at step {runner.StepCount} (epoch {_epoch + 1}, learning rate {rate:G3}); lower the learning rate or check the features' scale.");
                    _epochLossSum += loss;
                    _epochBatches++;
                    _batchesInEpoch++;
                    samples += rows;
                    if (run.CheckpointDirectory is not null && runner.StepCount % run.CheckpointInterval == 0)
                        WriteCheckpoint();
                }
            }
            clock.Stop();
            CheckSomethingWasTrained();

            (double LogLoss, double Accuracy)? validation = evaluator?.Evaluate(runner.ReadParameters());
            bool stopEarly = false;
            if (validation is { } v && settings.Stopping.Patience is { } patience)
            {
                double metric = settings.Stopping.Metric == EarlyStoppingMetric.Accuracy ? -v.Accuracy : v.LogLoss;
                if (best is null || metric < bestMetric)
                {
                    best = runner.ReadParameters();
                    bestMetric = metric;
                    sinceBest = 0;
                }
                else
                {
                    stopEarly = ++sinceBest >= patience;
                }
            }
            double epochLoss = _epochBatches == 0 ? double.NaN : _epochLossSum / _epochBatches;
            bool plateau = false;
            if (settings.Stopping.PlateauPatience is { } plateauPatience)
            {
                // Relative to the loss, but never finer than a tenth of the tolerance in absolute terms: a hard-label
                // loss heading for 0 keeps improving by a fixed fraction long after the model has stopped changing.
                if (bestLoss - epochLoss > settings.Stopping.PlateauTolerance * Math.Max(bestLoss, 0.1) || double.IsPositiveInfinity(bestLoss))
                {
                    bestLoss = epochLoss;
                    sinceBestLoss = 0;
                }
                else
                {
                    plateau = ++sinceBestLoss >= plateauPatience;
                }
            }
            var report = new TrainingProgress(_epoch + 1, runner.StepCount, epochLoss,
                validation?.LogLoss, validation?.Accuracy, samples / Math.Max(1e-9, clock.Elapsed.TotalSeconds), source.SkippedRows, clock.Elapsed.TotalSeconds)
            {
                StopReason = stopEarly ? TrainingStopReason.EarlyStopping
                    : plateau ? TrainingStopReason.Plateau
                    : _epoch + 1 == _batches.Epochs ? TrainingStopReason.BudgetSpent : null,
            };
            _history.Add(report);
            run.Progress?.Report(report);
            if (_epoch == 0 && source.SkippedRows > 0)
                run.Log?.Invoke($"Skipped {source.SkippedRows} rows whose label or soft target is missing.");

            _batchesInEpoch = 0;
            _epochLossSum = 0;
            _epochBatches = 0;
            if (run.CheckpointDirectory is not null)
            {
                _epoch++;
                WriteCheckpoint();
                _epoch--;
            }
            if (stopEarly)
            {
                run.Log?.Invoke($"Early stopping after epoch {_epoch + 1}: no improvement of validation {settings.Stopping.Metric} for {sinceBest} epochs; keeping epoch {_epoch + 1 - sinceBest}.");
                break;
            }
            if (plateau)
            {
                run.Log?.Invoke($"Stopping after epoch {_epoch + 1}: the training loss has not improved by {settings.Stopping.PlateauTolerance:P1} for {sinceBestLoss} epochs.");
                break;
            }
        }
        return (best ?? runner.ReadParameters(), _history);
    }

    private void CheckSomethingWasTrained()
    {
        if (runner.StepCount > 0)
            return;
        throw new InvalidOperationException(source.SkippedRows > 0
            ? $"All {source.SkippedRows} rows of the training data are missing (label key missing, or soft target containing NaN): nothing to train on."
            : "The training data has no rows.");
    }

    private long TotalSteps()
    {
        if (source.ExampleCount is not { } count)
        {
            if (settings.Schedule.Kind != LearningRateSchedule.Cosine)
                return 0;
            // Streaming data: count the examples once (the cosine schedule needs the total number of steps).
            using var pass = source.StartEpoch(0, _batches.BatchSize, 0);
            var x = new float[runner.Features.Length];
            var q = new float[runner.Targets.Length];
            var w = new float[runner.Weights.Length];
            while (pass.Next(x, q, w) > 0)
            {
            }
            count = source.ExampleCount ?? 0;
        }
        return (count + _batches.BatchSize - 1) / _batches.BatchSize * _batches.Epochs;
    }

    private void TryResume()
    {
        if (run.CheckpointDirectory is not { } directory || Checkpoint.TryRead(directory) is not { } checkpoint)
            return;
        if (checkpoint.Fingerprint != _fingerprint)
        {
            run.Log?.Invoke($"The checkpoint in '{directory}' is from another configuration; training from the start (it will be overwritten).");
            return;
        }
        foreach (var state in graph.State)
        {
            if (!checkpoint.State.TryGetValue(state.Name, out var values))
                throw new InvalidDataException($"The checkpoint in '{directory}' lacks state '{state.Name}'.");
            runner.WriteState(state.Name, values);
        }
        runner.WriteState(graph.State[0].Name, checkpoint.State[graph.State[0].Name], checkpoint.Step);
        _epoch = checkpoint.Epoch;
        _batchesInEpoch = checkpoint.BatchesInEpoch;
        _epochLossSum = checkpoint.EpochLossSum;
        _epochBatches = checkpoint.EpochBatches;
        _history.AddRange(checkpoint.History);
        run.Log?.Invoke($"Resuming from the checkpoint in '{directory}': step {checkpoint.Step}, epoch {checkpoint.Epoch + 1}, batch {checkpoint.BatchesInEpoch}.");
    }

    private void WriteCheckpoint()
    {
        if (run.CheckpointDirectory is not { } directory)
            return;
        new Checkpoint(_fingerprint, runner.StepCount, _epoch, _batchesInEpoch, _epochLossSum, _epochBatches,
            Checkpoint.Capture(runner, graph.StateNames), [.. _history]).Write(directory);
    }
}

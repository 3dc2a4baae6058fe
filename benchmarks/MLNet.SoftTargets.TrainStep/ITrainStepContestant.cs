namespace MLNet.SoftTargets.TrainStep;

/// <summary>
/// One contestant of the training-step race: it owns an MLP <c>inputSize → hidden ReLU → classes</c>, its
/// parameters and Adam state, and performs one full training step per <see cref="Step"/> call.
/// </summary>
/// <remarks>
/// Every contestant must do the same work, as fixed by <see cref="TrainStepJob"/>: the loss is the soft-target
/// cross-entropy <c>mean over rows of -Σ_k q_k · log_softmax(z)_k</c>, and the update is bias-corrected Adam
/// with <see cref="TrainStepJob.LearningRate"/>, <see cref="TrainStepJob.Beta1"/>, <see cref="TrainStepJob.Beta2"/>,
/// <see cref="TrainStepJob.Epsilon"/>, no weight decay, no AMSGrad, on <see cref="TrainStepJob.Threads"/> threads.
/// To add a contestant, implement this interface and add an instance to the list in <c>Program.cs</c>.
/// </remarks>
public interface ITrainStepContestant : ITrainStep
{
    /// <summary>Builds the model (initialised from <paramref name="seed"/>) and optimizer state; called once, untimed.</summary>
    /// <param name="batch">The largest number of rows <see cref="Step"/> will be given (the last batch of an epoch may be smaller).</param>
    void Setup(int inputSize, int hidden, int classes, int batch, int seed);
}

namespace MLNet.SoftTargets;

/// <summary>The optimizer of the soft-target trainer.</summary>
public enum SoftTargetOptimizer
{
    /// <summary>Adam (Kingma &amp; Ba 2015), bias-corrected; weight decay is added to the gradient.</summary>
    Adam = 0,

    /// <summary>AdamW (Loshchilov &amp; Hutter 2019): Adam with decoupled weight decay.</summary>
    AdamW = 1,

    /// <summary>Stochastic gradient descent with optional momentum and Nesterov momentum.</summary>
    Sgd = 2,

    /// <summary>
    /// Full-batch L-BFGS on the whole (cached) training set: soft-target cross-entropy plus (λ/2)·‖W‖² on the weight
    /// matrices, to convergence (the trainer's <c>OptimizationTolerance</c>) or <c>MaximumNumberOfIterations</c>. Convex
    /// for a linear head, where it is the default. No learning rate, batches or checkpoints.
    /// </summary>
    Lbfgs = 3,
}

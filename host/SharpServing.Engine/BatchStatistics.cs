namespace SharpServing.Engine;

/// <summary>
/// The model runs of one batch size (real instances, padding not counted) that carried instances of a method: how many,
/// and their cumulative time packing the inputs, running the model and slicing the outputs, in nanoseconds.
/// </summary>
public readonly record struct BatchStatistics(int BatchSize, long Count, long ComputeInputNanoseconds, long ComputeInferNanoseconds,
    long ComputeOutputNanoseconds);

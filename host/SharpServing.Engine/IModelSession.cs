namespace SharpServing.Engine;

/// <summary>
/// One loaded model: its signature, and a thread-safe <see cref="Run"/>.
/// </summary>
/// <remarks>
/// Ownership: a session lives as long as the servable version that opened it (<see cref="LoadedModel"/>); disposing it
/// while runs are in flight lets them finish first. Inputs are only read during <see cref="Run"/>; outputs are new
/// tensors the caller owns.
/// </remarks>
public interface IModelSession : IDisposable
{
    /// <summary>The model's inputs, in the model's order.</summary>
    IReadOnlyList<ModelValueInfo> Inputs { get; }

    /// <summary>The model's outputs, in the model's order.</summary>
    IReadOnlyList<ModelValueInfo> Outputs { get; }

    /// <summary>
    /// Runs the model on <paramref name="inputs"/> (in <see cref="Inputs"/> order) and stores every output, in
    /// <see cref="Outputs"/> order, into <paramref name="outputs"/> (its length is <see cref="Outputs"/>' count).
    /// </summary>
    /// <exception cref="ArgumentException">The counts do not match, or an input is null or of a type the runtime cannot take.</exception>
    /// <exception cref="ModelRuntimeException">The runtime rejects the inputs (type, shape) or fails while running.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before or during the run.</exception>
    void Run(IReadOnlyList<Tensor> inputs, Tensor[] outputs, CancellationToken cancellationToken);
}

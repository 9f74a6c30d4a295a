namespace SharpServing.Engine;

/// <summary>What protocols call: runs a request and returns its reply. Never throws for application errors.</summary>
public interface IPredictor
{
    /// <summary>
    /// Runs <paramref name="request"/>. Cancellation (client gone, deadline) stops queued work; the returned task then
    /// completes with a reply or is cancelled, and the protocol sends nothing.
    /// </summary>
    Task<InferReply> PredictAsync(InferRequest request, CancellationToken cancellationToken);
}

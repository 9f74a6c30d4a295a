namespace SharpServing.Engine;

/// <summary>Minimal stub (to be replaced by the execution component): queue limit and parallel workers.</summary>
public sealed class ExecutionOptions
{
    /// <summary>Accepted, not yet answered requests before "queue full". Default 10000.</summary>
    public int MaxEnqueuedRequests { get; set; } = 10000;

    /// <summary>Concurrently running function stages; 0 = core count.</summary>
    public int ParallelWorkers { get; set; }
}

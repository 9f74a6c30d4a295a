using SharpServing.Engine.Repository;

namespace SharpServing.Engine.Reload;

/// <summary>One version of a servable: its state, the reason of its last failure (for an Available version: the failed
/// reload it survived), and, while published, its methods.</summary>
public sealed record ServableVersionInfo(long Version, ServableVersionState State, string? Error, IReadOnlyList<ServableMethodInfo> Methods)
{
    /// <summary>The worker process of a version that runs in one (docs/isolation.md); null in process.</summary>
    public Isolation.WorkerStatus? Worker { get; init; }
}

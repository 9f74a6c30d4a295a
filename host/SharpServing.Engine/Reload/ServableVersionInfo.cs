using SharpServing.Engine.Repository;

namespace SharpServing.Engine.Reload;

/// <summary>One version of a servable: its state, the reason of its last failure (for an Available version: the failed
/// reload it survived), and, while published, its methods.</summary>
public sealed record ServableVersionInfo(long Version, ServableVersionState State, string? Error, IReadOnlyList<ServableMethodInfo> Methods)
{
    /// <summary>The worker process of a version that runs in one (docs/isolation.md); null in process.</summary>
    public Isolation.WorkerStatus? Worker { get; init; }

    /// <summary>While servables load on demand: the memory a loaded version counts with (its folder's file sizes);
    /// null otherwise or while it is not loaded.</summary>
    public long? MemoryBytes { get; init; }

    /// <summary>While servables load on demand: when a request last used a loaded version; null otherwise.</summary>
    public DateTimeOffset? LastUsed { get; init; }

    /// <summary>Why the version is unloaded (<see cref="ServableVersionState.Unloaded"/>); null otherwise.</summary>
    public string? UnloadReason { get; init; }
}

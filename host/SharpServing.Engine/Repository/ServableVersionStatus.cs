namespace SharpServing.Engine.Repository;

/// <summary>The state of one servable version. <paramref name="Version"/> is 0 when a failure came before a version was
/// chosen (a missing folder or configuration); <paramref name="Error"/> is set when <paramref name="State"/> is Failed.</summary>
public sealed record ServableVersionStatus(string Servable, long Version, ServableVersionState State, string? Error = null)
{
    /// <summary>Why a version is <see cref="ServableVersionState.Unloaded"/> (not requested yet, or which budget pushed it
    /// out and when); null otherwise.</summary>
    public string? UnloadReason { get; init; }
}

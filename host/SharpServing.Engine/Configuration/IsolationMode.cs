namespace SharpServing.Engine.Configuration;

/// <summary>Where a servable's versions run (docs/isolation.md).</summary>
public enum IsolationMode
{
    /// <summary>Inside the server process: the fastest path; a stage that exits, hangs or exhausts memory affects the whole server.</summary>
    InProcess,

    /// <summary>Each loaded version in a worker process of the same host binary, supervised and restarted by the server.</summary>
    Process,
}

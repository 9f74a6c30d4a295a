namespace SharpServing.Engine.Isolation;

/// <summary>
/// The worker process of one isolated servable version, as the status API shows it.
/// </summary>
/// <param name="Pid">The running worker's process id; null while none runs.</param>
/// <param name="State"><c>serving</c>, <c>restarting</c> (waiting out its back-off or starting again) or <c>stopped</c>.</param>
/// <param name="Restarts">How many times the worker was started again after it exited or was killed.</param>
/// <param name="LastExit">Why the last worker ended (exit status, signal, limit), or null.</param>
/// <param name="LastExitAt">When the last worker ended, or null.</param>
public sealed record WorkerStatus(int? Pid, string State, int Restarts, string? LastExit, DateTimeOffset? LastExitAt);

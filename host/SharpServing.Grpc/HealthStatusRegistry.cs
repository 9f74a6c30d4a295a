namespace SharpServing.Grpc;

/// <summary>
/// The statuses the health service reports: one per service name (for SharpServing, a servable name), and the
/// server's overall status under the empty name, which starts as <see cref="HealthStatus.Serving"/>. Thread-safe;
/// watchers see every change.
/// </summary>
public sealed class HealthStatusRegistry
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, HealthStatus> _statuses = new(StringComparer.Ordinal) { [string.Empty] = HealthStatus.Serving };
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Sets the status of <paramref name="service"/> (<c>""</c> = the whole server).</summary>
    public void SetStatus(string service, HealthStatus status)
    {
        ArgumentNullException.ThrowIfNull(service);
        if (status is < HealthStatus.Unknown or > HealthStatus.NotServing)
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "Not a health status.");
        }
        lock (_lock)
        {
            if (_statuses.TryGetValue(service, out var old) && old == status)
            {
                return;
            }
            _statuses[service] = status;
            SignalChange();
        }
    }

    /// <summary>Forgets <paramref name="service"/>: Check then answers NOT_FOUND, Watch SERVICE_UNKNOWN.</summary>
    /// <returns>Whether the service was known.</returns>
    public bool ClearStatus(string service)
    {
        ArgumentNullException.ThrowIfNull(service);
        lock (_lock)
        {
            if (!_statuses.Remove(service))
            {
                return false;
            }
            SignalChange();
            return true;
        }
    }

    /// <summary>The status of <paramref name="service"/>, if it is known.</summary>
    public bool TryGetStatus(string service, out HealthStatus status)
    {
        ArgumentNullException.ThrowIfNull(service);
        lock (_lock)
        {
            return _statuses.TryGetValue(service, out status);
        }
    }

    /// <summary>The current status (null when unknown) and a task that completes at the next change of any status.</summary>
    internal (HealthStatus? Status, Task Changed) Snapshot(string service)
    {
        lock (_lock)
        {
            return (_statuses.TryGetValue(service, out var status) ? status : null, _changed.Task);
        }
    }

    private void SignalChange()
    {
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }
}

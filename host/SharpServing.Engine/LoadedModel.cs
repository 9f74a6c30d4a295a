namespace SharpServing.Engine;

/// <summary>
/// A declared model with its runtime sessions open: one session per subgraph, per device replica. Owned by its
/// <see cref="ServableVersion"/>: the sessions live exactly as long as the version.
/// </summary>
public sealed class LoadedModel : IDisposable
{
    private IReadOnlyList<IReadOnlyList<IModelSession>> _sessions;

    internal LoadedModel(Model model, IReadOnlyList<ModelSignature> signatures, IReadOnlyList<IReadOnlyList<IModelSession>> sessions,
        DeviceType device, IReadOnlyList<int> deviceIds)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(signatures);
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentNullException.ThrowIfNull(deviceIds);
        if (sessions.Count == 0 || sessions.Count != deviceIds.Count)
        {
            throw new ArgumentException("A loaded model needs one session list per device replica, at least one.", nameof(sessions));
        }
        Model = model;
        Signatures = signatures;
        _sessions = sessions;
        Device = device;
        DeviceIds = deviceIds;
    }

    /// <summary>The model as the configuration declared it.</summary>
    public Model Model { get; }

    /// <summary>The signature of each subgraph (index = subgraph), as the runtime reports it.</summary>
    public IReadOnlyList<ModelSignature> Signatures { get; }

    /// <summary>Sessions by [device replica][subgraph]. At least one replica; on CPU exactly one.</summary>
    public IReadOnlyList<IReadOnlyList<IModelSession>> Sessions => _sessions;

    /// <summary>Where the sessions run: <see cref="DeviceType.Cpu"/> or <see cref="DeviceType.Gpu"/>, never Auto.</summary>
    public DeviceType Device { get; }

    /// <summary>The device id of each replica (same order and count as <see cref="Sessions"/>); 0 on CPU.</summary>
    public IReadOnlyList<int> DeviceIds { get; }

    /// <summary>Closes every session. Called by the owning version after it has drained.</summary>
    public void Dispose()
    {
        var sessions = Interlocked.Exchange(ref _sessions, []);
        foreach (var replica in sessions)
        {
            foreach (var session in replica)
            {
                session.Dispose();
            }
        }
    }
}

using System.Globalization;
using SharpServing.Engine.Configuration;
using SharpServing.Engine.Loading;

namespace SharpServing.Engine.Repository;

/// <summary>
/// Lazy loading and the loaded-memory budget (<see cref="ServingConfiguration.LazyLoad"/>,
/// <see cref="ServingConfiguration.LoadedMemoryBudgetMb"/>): the start only finds the versions to serve; a request for
/// one that is not loaded loads it (requests for the same version share one load) and waits at most the load limit. A
/// load that would pass the budget first unloads the least recently used versions that no request is using.
/// </summary>
/// <remarks>
/// A version's memory is the size of the files in its version folder: known before the load (so room is made first and
/// the budget holds while the new version opens), the same on every replica, and close to what ONNX Runtime keeps for a
/// CPU session, whose weights dominate it. Room is reserved under the manager's lock, so concurrent loads of different
/// servables neither wait for each other nor both count the same free memory.
/// </remarks>
public sealed partial class ServableManager
{
    private const string NotRequestedYet = "not loaded yet: lazy loading loads it on its first request";

    // Under _gate: the versions that load on demand, by servable and published number; the loads in progress.
    private readonly Dictionary<(string Servable, long Version), ServableStartConfig> _onDemand = [];
    private readonly Dictionary<(string Servable, long Version), Task<ServableVersion>> _onDemandLoads = [];
    private long _reservedBytes;

    /// <summary>Whether versions load on their first request (<see cref="ServingConfiguration.LazyLoad"/>).</summary>
    public bool LoadsOnDemand => _configuration.LazyLoad;

    /// <summary>The memory of the published versions together, in bytes (each counted as <see cref="ServableVersion.MemoryBytes"/>).</summary>
    public long LoadedBytes => Volatile.Read(ref _snapshot).All.Sum(v => v.MemoryBytes);

    /// <summary>Whether <paramref name="servable"/> can take a request now: a version is published, or one loads on demand.</summary>
    public bool CanServe(string servable)
    {
        if (Contains(servable))
        {
            return true;
        }
        lock (_gate)
        {
            return _onDemand.Keys.Any(k => k.Servable == servable);
        }
    }

    /// <inheritdoc />
    public async ValueTask<ServableVersion?> LoadOnDemandAsync(string servable, ulong version, CancellationToken cancellationToken)
    {
        if (!LoadsOnDemand)
        {
            return null;
        }
        Task<ServableVersion> load;
        lock (_gate)
        {
            if (_disposed)
            {
                return null;
            }
            var numbers = _onDemand.Keys.Where(k => k.Servable == servable).Select(k => k.Version).ToList();
            if (numbers.Count == 0)
            {
                return null;
            }
            var number = version == 0 ? numbers.Max() : (long)Math.Min(version, long.MaxValue);
            if (_snapshot.Find(servable, (ulong)number) is { } published)
            {
                return published;
            }
            if (!_onDemand.TryGetValue((servable, number), out var config))
            {
                return null;
            }
            if (!_onDemandLoads.TryGetValue((servable, number), out var running))
            {
                running = LoadRequestedAsync(config.Clone(), number);
                _onDemandLoads[(servable, number)] = running;
            }
            load = running;
        }
        try
        {
            return await load.WaitAsync(_configuration.LoadTimeout, _time, cancellationToken);
        }
        catch (TimeoutException)
        {
            ManagerLog.OnDemandLoadSlow(_logger, servable, (long)_configuration.LoadTimeout.TotalMilliseconds);
            return null;
        }
        catch (Exception ex) when (ex is ServableLoadException or ObjectDisposedException)
        {
            // The status and the log carry the reason; the request gets the protocol's "not available".
            return null;
        }
    }

    /// <summary>Registers <paramref name="config"/> to load on demand and, unless it is published, shows it as unloaded.</summary>
    private ServableVersionStatus Register(ServableStartConfig config)
    {
        var number = PublishedNumber(config.VersionNumber);
        var status = new ServableVersionStatus(config.ServableName, number, ServableVersionState.Unloaded) { UnloadReason = NotRequestedYet };
        lock (_gate)
        {
            _onDemand[(config.ServableName, number)] = config.Clone();
            if (_snapshot.Find(config.ServableName, (ulong)number) is null && number != 0)
            {
                _status[(config.ServableName, number)] = status;
            }
            else
            {
                status = _status.GetValueOrDefault((config.ServableName, number)) ?? status;
            }
        }
        return status;
    }

    /// <summary>While lazy loading, a version the reload found new or changed that is not loaded: it is registered (to
    /// load on its next request) instead of loaded now. False when it is to be loaded now.</summary>
    internal bool DeferLoad(string servable, long version)
    {
        if (!LoadsOnDemand || Volatile.Read(ref _snapshot).Find(servable, (ulong)PublishedNumber(version)) is not null)
        {
            return false;
        }
        var config = ConfigFor(servable).Clone();
        config.VersionNumber = version;
        Register(config);
        OnChanged(servable);
        return true;
    }

    /// <summary>Forgets that a version loads on demand (it was unloaded by hand, its folder went, the policy dropped it).</summary>
    private bool Forget(string servable, long version)
    {
        lock (_gate)
        {
            _onDemandLoads.Remove((servable, version));
            var removed = _onDemand.Remove((servable, version));
            if (_status.TryGetValue((servable, version), out var status) && status.State == ServableVersionState.Unloaded)
            {
                _status.Remove((servable, version));
            }
            return removed;
        }
    }

    private async Task<ServableVersion> LoadRequestedAsync(ServableStartConfig config, long number)
    {
        // Off the caller's lock before anything runs.
        await Task.Yield();
        try
        {
            ManagerLog.LoadingOnDemand(_logger, config.ServableName, number);
            // Not the caller's token: requests that wait for the same load give up on their own; the load is bounded by
            // the load limit.
            return await LoadAndPublishAsync(config, CancellationToken.None);
        }
        finally
        {
            lock (_gate)
            {
                _onDemandLoads.Remove((config.ServableName, number));
            }
        }
    }

    /// <summary>
    /// Reserves <paramref name="bytes"/> for a load of <paramref name="servable"/> version <paramref name="number"/> and
    /// unpublishes the least recently used versions that no request is using until the budget holds (or none is left:
    /// a version in use is never unloaded, so the budget may be passed while every loaded version is busy). Returns the
    /// unpublished versions, to be retired by the caller; each shows as <see cref="ServableVersionState.Unloaded"/>.
    /// </summary>
    private List<ServableVersion> MakeRoom(string servable, long number, long bytes)
    {
        var budget = _configuration.LoadedMemoryBudgetBytes;
        var evicted = new List<ServableVersion>();
        lock (_gate)
        {
            _reservedBytes += bytes;
            if (budget == 0)
            {
                return evicted;
            }
            var replaced = number == 0 ? null : _snapshot.Find(servable, (ulong)number);
            var used = _snapshot.All.Where(v => !ReferenceEquals(v, replaced)).Sum(v => v.MemoryBytes) + _reservedBytes;
            var candidates = _snapshot.All
                .Where(v => !ReferenceEquals(v, replaced) && !_onDemandLoads.ContainsKey((v.Name, v.Number)))
                .OrderBy(v => Volatile.Read(ref v.LastUsedTicks))
                .ToList();
            foreach (var victim in candidates)
            {
                if (used <= budget)
                {
                    break;
                }
                if (victim.Executor.PendingRequests > 0)
                {
                    continue;
                }
                Volatile.Write(ref _snapshot, _snapshot.Without(victim.Name, victim.Number, out _));
                used -= victim.MemoryBytes;
                evicted.Add(victim);
                var reason = $"unloaded at {_time.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)} to make room for servable '{servable}' version {PublishedNumber(number)} "
                    + $"({Mib(bytes)}) under the loaded memory budget of {Mib(budget)} (loaded_memory_budget_mb): it was the least recently "
                    + "used version no request was using";
                _status[(victim.Name, victim.Number)] = new ServableVersionStatus(victim.Name, victim.Number, ServableVersionState.Unloaded) { UnloadReason = reason };
                if (!_onDemand.ContainsKey((victim.Name, victim.Number)))
                {
                    var config = ConfigFor(victim.Name).Clone();
                    config.VersionNumber = victim.Number;
                    _onDemand[(victim.Name, victim.Number)] = config;
                }
            }
            if (used > budget)
            {
                ManagerLog.OverBudget(_logger, servable, PublishedNumber(number), used, budget);
            }
        }
        return evicted;
    }

    private async Task RetireEvictedAsync(List<ServableVersion> evicted)
    {
        foreach (var victim in evicted)
        {
            ManagerLog.Evicted(_logger, victim.Name, victim.Number, victim.MemoryBytes);
            OnChanged(victim.Name);
            await RetireAsync(victim, keepStatus: true);
            OnChanged(victim.Name);
        }
    }

    private void ReleaseReservation(long bytes)
    {
        lock (_gate)
        {
            _reservedBytes -= bytes;
        }
    }

    private void Touch(ServableVersion version) => Volatile.Write(ref version.LastUsedTicks, _time.GetUtcNow().UtcTicks);

    /// <summary>The size of the files in the version folder of <paramref name="config"/>: what the budget counts it with.</summary>
    private static long MeasureFootprint(ServableStartConfig config)
    {
        if (config.VersionNumber == 0)
        {
            return 0;
        }
        var folder = Path.Combine(config.ResolvedServableDirectory, config.ServableName, config.VersionNumber.ToString(CultureInfo.InvariantCulture));
        if (!Directory.Exists(folder))
        {
            return 0;
        }
        try
        {
            return new DirectoryInfo(folder).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true })
                .Sum(f => f.Length);
        }
        catch (IOException)
        {
            // Changing under our feet: the load reads it next and reports what is wrong.
            return 0;
        }
    }

    /// <summary>The number a version is published under: a servable without version folders serves as version 1.</summary>
    private static long PublishedNumber(long version) => version == 0 ? 1 : version;

    private static string Mib(long bytes) => (bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture) + " MiB";
}

using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SharpServing.Engine.Configuration;
using SharpServing.Engine.Isolation;
using SharpServing.Engine.Loading;
using SharpServing.Engine.Reload;

namespace SharpServing.Engine.Repository;

/// <summary>
/// Loads the configured servables and publishes their versions: the <see cref="IServableCatalog"/> the dispatcher
/// resolves through. Each servable starts independently (a failing one is reported in <see cref="GetStatus"/> and the log;
/// the others serve). Publication swaps an immutable snapshot, so a request sees a version completely or not at all;
/// a replaced or unloaded version drains, then is disposed and its load context unloaded.
/// </summary>
public sealed partial class ServableManager : IServableCatalog, IAsyncDisposable
{
    private readonly ServingConfiguration _configuration;
    private readonly ServableLoader _loader;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Servable, long Version), ServableVersionStatus> _status = [];
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _servableLocks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ScriptCache> _caches = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Task, bool> _abandonedLoads = new();

    /// <summary>Entries of the per-name state (version statuses, load locks) — for tests: made-up names add none.</summary>
    internal int StateCount
    {
        get
        {
            lock (_gate)
            {
                return _status.Count + _servableLocks.Count;
            }
        }
    }
    private readonly TimeProvider _time;
    private CatalogSnapshot _snapshot = CatalogSnapshot.Empty;
    private bool _disposed;

    /// <summary>A manager for <paramref name="configuration"/> (validated here) whose models open in <paramref name="runtime"/>. Nothing loads until <see cref="StartAsync"/>.</summary>
    /// <exception cref="ServingConfigurationException">The configuration is invalid.</exception>
    public ServableManager(ServingConfiguration configuration, IModelRuntime runtime, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
        : this(configuration, runtime, null, timeProvider, loggerFactory)
    {
    }

    /// <summary>As above; servables that <see cref="ServingConfiguration.Isolation"/> puts in worker processes start through <paramref name="isolation"/>.</summary>
    /// <exception cref="ServingConfigurationException">The configuration is invalid.</exception>
    public ServableManager(ServingConfiguration configuration, IModelRuntime runtime, IServableIsolation? isolation, TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(runtime);
        configuration.Validate();
        _configuration = configuration;
        var factory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = factory.CreateLogger<ServableManager>();
        _time = timeProvider ?? TimeProvider.System;
        _loader = new ServableLoader(CacheFor, runtime, timeProvider, factory, configuration.Isolation, isolation);
    }

    /// <summary>
    /// Raised after a servable's published versions or statuses changed (a version published, unloaded, or failed to
    /// load), outside every lock of the manager. Handlers must be quick and must not throw (a throwing handler is logged).
    /// </summary>
    public event EventHandler<ServableChangedEventArgs>? Changed;

    /// <summary>The configuration this manager serves (validated).</summary>
    public ServingConfiguration Configuration => _configuration;

    /// <summary>The published versions, by name then number.</summary>
    public IReadOnlyList<ServableVersion> Versions => [.. Volatile.Read(ref _snapshot).All.OrderBy(v => v.Name, StringComparer.Ordinal).ThenBy(v => v.Number)];

    /// <summary>Loads that passed <see cref="ServingConfiguration.LoadTimeout"/> and whose code is still running
    /// (abandoned: a thread cannot be stopped; whatever such a load builds once it ends is discarded).</summary>
    public int AbandonedLoads => _abandonedLoads.Count;

    /// <summary>How many scripts were compiled (not taken from the compiled-script cache) so far.</summary>
    public int ScriptCompilations => _loader.Compilations;

    /// <inheritdoc />
    public bool TryGetVersion(string servable, ulong version, [NotNullWhen(true)] out ServableVersion? servableVersion)
    {
        servableVersion = Volatile.Read(ref _snapshot).Find(servable, version);
        if (servableVersion is not null && _configuration.LazyLoad)
        {
            Touch(servableVersion);
        }
        return servableVersion is not null;
    }

    /// <inheritdoc />
    public bool Contains(string servable) => Volatile.Read(ref _snapshot).Contains(servable);

    /// <summary>Whether a published version of <paramref name="servable"/> takes requests now (not one whose worker restarts).</summary>
    public bool IsServing(string servable) => Volatile.Read(ref _snapshot).All.Any(v => v.Name == servable && (v.Worker?.IsServing ?? true));

    /// <summary>
    /// Loads every configured servable (or, with none configured, every servable folder under the servables root), each
    /// independently and concurrently. Failures do not throw: they are logged and reported with state Failed.
    /// </summary>
    /// <returns>The status of each configured servable version after the start.</returns>
    public async Task<IReadOnlyList<ServableVersionStatus>> StartAsync(CancellationToken cancellationToken)
    {
        var (starts, conflicts) = StartConfigs();
        foreach (var conflict in conflicts)
        {
            SetStatus(conflict);
            ManagerLog.LoadFailed(_logger, conflict.Servable, conflict.Version, conflict.Error!);
        }
        if (LoadsOnDemand)
        {
            // Lazy loading: the start only finds the versions; each loads on its first request.
            var found = starts.Select(Register).ToList();
            foreach (var status in found)
            {
                OnChanged(status.Servable);
            }
            return [.. found, .. conflicts];
        }
        var results = await Task.WhenAll(starts.Select(s => StartOneAsync(s, cancellationToken)));
        return [.. results, .. conflicts];
    }

    /// <summary>
    /// Loads version <paramref name="version"/> (0: the highest version folder) of <paramref name="servable"/> with its
    /// configured device and key, and publishes it; a published version with the same number is replaced, drained and
    /// unloaded. Loads of one servable run one at a time.
    /// </summary>
    /// <exception cref="ServableLoadException">The version cannot be loaded; the published versions are unchanged.</exception>
    public async Task<ServableVersion> LoadVersionAsync(string servable, long version, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(servable);
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        var config = ConfigFor(servable).Clone();
        config.VersionNumber = version;
        if (LoadsOnDemand)
        {
            // Loaded by hand: it loads again on demand after the budget unloads it.
            Register(config);
        }
        return await LoadAndPublishAsync(config, cancellationToken);
    }

    /// <summary>Unpublishes version <paramref name="version"/> of <paramref name="servable"/>, lets its pending requests
    /// finish, disposes it and unloads its context. False when that version is not published.</summary>
    public async Task<bool> UnloadVersionAsync(string servable, long version, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(servable);
        var gate = _servableLocks.GetOrAdd(servable, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            ServableVersion? removed;
            lock (_gate)
            {
                Volatile.Write(ref _snapshot, _snapshot.Without(servable, version, out removed));
                if (removed is not null)
                {
                    _status[(servable, version)] = new ServableVersionStatus(servable, version, ServableVersionState.Unloading);
                }
            }
            var forgotten = Forget(servable, version);
            if (removed is null)
            {
                if (forgotten)
                {
                    OnChanged(servable);
                }
                return forgotten;
            }
            OnChanged(servable);
            await RetireAsync(removed);
            OnChanged(servable);
            return true;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The state of every servable version this manager has tried to load, by name then version.</summary>
    public IReadOnlyList<ServableVersionStatus> GetStatus()
    {
        lock (_gate)
        {
            return [.. _status.Values.OrderBy(s => s.Servable, StringComparer.Ordinal).ThenBy(s => s.Version)];
        }
    }

    /// <summary>Unpublishes and unloads every version (each drains first).</summary>
    public async ValueTask DisposeAsync()
    {
        CatalogSnapshot snapshot;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            snapshot = _snapshot;
            Volatile.Write(ref _snapshot, CatalogSnapshot.Empty);
        }
        await Task.WhenAll(snapshot.All.Select(v => RetireAsync(v).AsTask()));
    }

    private async Task<ServableVersionStatus> StartOneAsync(ServableStartConfig config, CancellationToken cancellationToken)
    {
        try
        {
            var version = await LoadAndPublishAsync(config, cancellationToken);
            return new ServableVersionStatus(version.Name, version.Number, ServableVersionState.Available);
        }
        catch (ServableLoadException ex)
        {
            return new ServableVersionStatus(config.ServableName, ex.Version == 0 ? config.VersionNumber : ex.Version, ServableVersionState.Failed, ex.Message);
        }
    }

    private async Task<ServableVersion> LoadAndPublishAsync(ServableStartConfig config, CancellationToken cancellationToken)
    {
        var name = config.ServableName;
        var gate = _servableLocks.GetOrAdd(name, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        long footprint = 0;
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var options = _configuration.ExecutionOptionsFor(name, config.NumParallelWorkers);
            lock (_gate)
            {
                // A reload of a published version leaves it Available (it serves until the new one is published).
                if (config.VersionNumber == 0 || _snapshot.Find(name, (ulong)config.VersionNumber) is null)
                {
                    _status[(name, config.VersionNumber)] = new ServableVersionStatus(name, config.VersionNumber, ServableVersionState.Loading);
                }
            }
            ServableVersion version;
            footprint = LoadsOnDemand ? MeasureFootprint(config) : 0;
            try
            {
                await RetireEvictedAsync(MakeRoom(name, config.VersionNumber, footprint));
                version = await LoadWithinLimitAsync(config, options, cancellationToken);
                version.MemoryBytes = footprint;
                Touch(version);
            }
            catch (ServableLoadException ex)
            {
                var number = ex.Version == 0 ? config.VersionNumber : ex.Version;
                lock (_gate)
                {
                    RemoveLoadingStatus(name, config.VersionNumber);
                    // A failed reload of a published version: it keeps serving, the status keeps the reason.
                    var serving = _snapshot.Find(name, (ulong)number) is not null && number != 0;
                    _status[(name, number)] = new ServableVersionStatus(name, number,
                        serving ? ServableVersionState.Available : ServableVersionState.Failed, ex.Message);
                }
                ManagerLog.LoadFailed(_logger, name, number, ex.Message);
                LoadMetrics.Record(name, _snapshot.Find(name, (ulong)number) is null ? "load" : "reload", "failure", started);
                OnChanged(name);
                throw;
            }
            catch
            {
                lock (_gate)
                {
                    RemoveLoadingStatus(name, config.VersionNumber);
                }
                throw;
            }
            ServableVersion? replaced;
            lock (_gate)
            {
                if (_disposed)
                {
                    replaced = version;
                }
                else
                {
                    Volatile.Write(ref _snapshot, _snapshot.With(version, out replaced));
                    RemoveLoadingStatus(name, config.VersionNumber);
                    _status[(name, version.Number)] = new ServableVersionStatus(name, version.Number, ServableVersionState.Available);
                }
            }
            if (ReferenceEquals(replaced, version))
            {
                await version.DisposeAsync();
                throw new ObjectDisposedException(nameof(ServableManager));
            }
            ManagerLog.Published(_logger, name, version.Number);
            if (version.Worker is { } worker)
            {
                worker.StatusChanged += (_, _) => OnChanged(name);
            }
            LoadMetrics.Record(name, replaced is null ? "load" : "reload", "success", started);
            OnChanged(name);
            if (replaced is not null)
            {
                await RetireAsync(replaced, keepStatus: true);
            }
            return version;
        }
        finally
        {
            ReleaseReservation(footprint);
            gate.Release();
        }
    }

    /// <summary>
    /// Loads and warms up one version within <see cref="ServingConfiguration.LoadTimeout"/>. Past it (or when the caller
    /// gives up) the load is abandoned: told to stop (a compile stops; configuration code that never returns cannot be
    /// stopped and keeps its thread), and whatever it builds once it ends is discarded.
    /// </summary>
    private async Task<ServableVersion> LoadWithinLimitAsync(ServableStartConfig config, ExecutionOptions options, CancellationToken cancellationToken)
    {
        var abandon = new CancellationTokenSource();
        var load = LoadAndWarmUpAsync(config, options, abandon.Token);
        try
        {
            var version = await load.WaitAsync(_configuration.LoadTimeout, _time, cancellationToken);
            abandon.Dispose();
            return version;
        }
        catch (Exception ex) when (ex is TimeoutException || (ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            await abandon.CancelAsync();
            var discard = DiscardAsync(load, abandon, config.ServableName);
            _abandonedLoads[discard] = true;
            _ = discard.ContinueWith(t => _abandonedLoads.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            if (ex is not TimeoutException)
            {
                throw;
            }
            var limitMs = (long)_configuration.LoadTimeout.TotalMilliseconds;
            ManagerLog.LoadAbandoned(_logger, config.ServableName, config.VersionNumber, limitMs);
            throw new ServableLoadException(config.ServableName, config.VersionNumber,
                $"Start servable failed, servable '{config.ServableName}' version {config.VersionNumber}: the load did not finish within the load time "
                + $"limit of {limitMs} ms (load_timeout_ms) and was abandoned; configuration code that never returns keeps running on its own thread");
        }
        catch
        {
            abandon.Dispose();
            throw;
        }
    }

    private async Task<ServableVersion> LoadAndWarmUpAsync(ServableStartConfig config, ExecutionOptions options, CancellationToken cancellationToken)
    {
        var version = await _loader.LoadAsync(config, options, cancellationToken);
        if (_configuration.WarmUp)
        {
            await WarmUpAsync(version, cancellationToken);
        }
        return version;
    }

    /// <summary>Waits for an abandoned load to end, whenever that is, and discards what it built.</summary>
    private async Task DiscardAsync(Task<ServableVersion> load, CancellationTokenSource abandon, string servable)
    {
        try
        {
            var version = await load;
            await version.DisposeAsync();
            ManagerLog.AbandonedLoadEnded(_logger, servable, "it finished late; its version was discarded");
        }
        catch (Exception ex)
        {
            ManagerLog.AbandonedLoadEnded(_logger, servable, ex.Message);
        }
        finally
        {
            abandon.Dispose();
        }
    }

    private async ValueTask RetireAsync(ServableVersion version, bool keepStatus = false)
    {
        var name = version.Name;
        var number = version.Number;
        ManagerLog.Unloading(_logger, name, number);
        await version.DisposeAsync();
        if (version.Executor.AbandonedCalls is > 0 and var running)
        {
            ReportRunningCode(version, running, keepStatus);
            return;
        }
        if (!keepStatus)
        {
            lock (_gate)
            {
                if (_status.TryGetValue((name, number), out var status) && status.State == ServableVersionState.Unloading)
                {
                    _status.Remove((name, number));
                }
            }
        }
        ManagerLog.Unloaded(_logger, name, number);
    }

    /// <summary>
    /// An unloaded (or replaced) version whose abandoned stage calls still run: its status says so until they return (an
    /// unloaded one stays Unloading, a replaced one's successor carries the note), and a log line tells the operator.
    /// </summary>
    private void ReportRunningCode(ServableVersion version, int running, bool replaced)
    {
        var name = version.Name;
        var number = version.Number;
        var note = $"Servable '{name}' version {number}: {running} stage calls of the {(replaced ? "replaced" : "unloaded")} version are still running "
            + "past their time limit; its code stays loaded until they return (a thread cannot be stopped)";
        ServableVersionStatus? current;
        lock (_gate)
        {
            current = _status.GetValueOrDefault((name, number));
            if (current is not null)
            {
                _status[(name, number)] = current with { Error = note };
            }
        }
        ManagerLog.CodeStillRunning(_logger, name, number, running);
        OnChanged(name);
        _ = version.Executor.AbandonedCallsReturned.ContinueWith(_ =>
        {
            lock (_gate)
            {
                if (_status.TryGetValue((name, number), out var status) && status.Error == note)
                {
                    if (status.State == ServableVersionState.Unloading)
                    {
                        _status.Remove((name, number));
                    }
                    else
                    {
                        _status[(name, number)] = status with { Error = null };
                    }
                }
            }
            ManagerLog.Unloaded(_logger, name, number);
            OnChanged(name);
        }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    private void RemoveLoadingStatus(string name, long requested)
    {
        if (_status.TryGetValue((name, requested), out var status) && status.State == ServableVersionState.Loading)
        {
            _status.Remove((name, requested));
        }
    }

    private void SetStatus(ServableVersionStatus status)
    {
        lock (_gate)
        {
            _status[(status.Servable, status.Version)] = status;
        }
    }

    private ScriptCache CacheFor(string servablesRoot)
        => _caches.GetOrAdd(servablesRoot, root => new ScriptCache(_configuration.UseCompileCache
            ? _configuration.CompileCacheDirectory ?? Path.Combine(root, ".cache", "scripts")
            : null));

    private ServableStartConfig ConfigFor(string servable)
    {
        var configured = _configuration.Servables.FirstOrDefault(s => s.ServableName == servable);
        if (configured is not null)
        {
            return configured;
        }
        if (_configuration.ServablesRoot is { } root)
        {
            return new ServableStartConfig(root, servable);
        }
        throw new ServableLoadException(servable, 0, $"Servable '{servable}' is not configured and there is no servables root to find it in");
    }

    /// <summary>
    /// The versions to start: the configured entries, with version 0 resolved to the newest folder and entries of the same
    /// servable version merged (device ids unioned, the most parallel workers); or every servable under the root. Entries
    /// of one version with different keys are conflicts: that version fails to start.
    /// </summary>
    private (List<ServableStartConfig> Starts, List<ServableVersionStatus> Conflicts) StartConfigs()
    {
        var conflicts = new List<ServableVersionStatus>();
        if (_configuration.Servables.Count == 0)
        {
            var root = _configuration.ServablesRoot!;
            var starts = new List<ServableStartConfig>();
            foreach (var name in ServableRepository.ListServables(root))
            {
                starts.AddRange(ByPolicy(new ServableStartConfig(root, name), conflicts));
            }
            return (starts, conflicts);
        }
        var merged = new List<ServableStartConfig>();
        foreach (var resolved in _configuration.Servables.SelectMany(c => c.VersionNumber == 0 ? ByPolicy(c, conflicts) : [c.Clone()]))
        {
            var same = merged.FirstOrDefault(m => m.ServableName == resolved.ServableName && m.VersionNumber == resolved.VersionNumber);
            if (same is null)
            {
                merged.Add(resolved);
                continue;
            }
            if (!ServingConfiguration.SameKey(same, resolved))
            {
                merged.Remove(same);
                conflicts.Add(new ServableVersionStatus(resolved.ServableName, resolved.VersionNumber, ServableVersionState.Failed,
                    $"Start servable failed: servable '{resolved.ServableName}' version {resolved.VersionNumber} is configured with two different dec_key or dec_mode"));
                continue;
            }
            same.DeviceIds = [.. same.DeviceIds.Union(resolved.DeviceIds)];
            same.NumParallelWorkers = Math.Max(same.NumParallelWorkers, resolved.NumParallelWorkers);
        }
        merged.RemoveAll(m => conflicts.Any(c => c.Servable == m.ServableName && c.Version == m.VersionNumber));
        return (merged, conflicts);
    }

    /// <summary>
    /// The versions of <paramref name="servable"/> to serve out of its version folders <paramref name="available"/>: for a
    /// servable whose configured entries all name a version, those versions; else its version policy's choice (plus any
    /// versions entries name). A servable without version folders is served as version 0 (the loader's choice).
    /// </summary>
    public IReadOnlyList<long> SelectVersions(string servable, IReadOnlyList<long> available)
    {
        ArgumentNullException.ThrowIfNull(available);
        var entries = _configuration.Servables.Where(s => s.ServableName == servable).ToList();
        var pinned = entries.Where(e => e.VersionNumber > 0).Select(e => e.VersionNumber);
        var byPolicy = entries.Count == 0 || entries.Any(e => e.VersionNumber == 0)
            ? (available.Count == 0 ? [0] : _configuration.PolicyFor(servable).Select(available))
            : [];
        return [.. byPolicy.Concat(pinned).Distinct().Order()];
    }

    /// <summary>One start entry per version the policy selects for <paramref name="config"/> (whose version is 0); none,
    /// with a failure reported, when the policy selects no existing version.</summary>
    private IEnumerable<ServableStartConfig> ByPolicy(ServableStartConfig config, List<ServableVersionStatus> conflicts)
    {
        var available = ServableRepository.ListVersions(Path.Combine(config.ResolvedServableDirectory, config.ServableName));
        if (available.Count == 0)
        {
            return [config.Clone()];
        }
        var policy = _configuration.PolicyFor(config.ServableName);
        var selected = policy.Select(available);
        if (selected.Count == 0)
        {
            conflicts.Add(new ServableVersionStatus(config.ServableName, 0, ServableVersionState.Failed,
                $"Start servable failed: the version policy '{policy}' of servable '{config.ServableName}' selects none of its versions [{string.Join(", ", available)}]"));
            return [];
        }
        return selected.Select(v =>
        {
            var start = config.Clone();
            start.VersionNumber = v;
            return start;
        });
    }

    /// <summary>Forgets the Failed status of a version that is no longer wanted (its folder is gone, or the policy
    /// changed). False when that status is not Failed.</summary>
    internal bool ForgetFailure(string servable, long version)
    {
        bool removed;
        lock (_gate)
        {
            removed = _status.TryGetValue((servable, version), out var status) && status.State is ServableVersionState.Failed or ServableVersionState.Unloaded
                && _status.Remove((servable, version));
            removed |= _onDemand.Remove((servable, version));
        }
        if (removed)
        {
            OnChanged(servable);
        }
        return removed;
    }

    /// <summary>Reports a failure that is not a load attempt (a version policy that selects nothing), unless that exact
    /// failure is already reported.</summary>
    internal void ReportFailure(string servable, long version, string reason)
    {
        var status = new ServableVersionStatus(servable, version, ServableVersionState.Failed, reason);
        lock (_gate)
        {
            if (_status.TryGetValue((servable, version), out var current) && current == status)
            {
                return;
            }
            _status[(servable, version)] = status;
        }
        ManagerLog.LoadFailed(_logger, servable, version, reason);
        OnChanged(servable);
    }

    private async Task WarmUpAsync(ServableVersion version, CancellationToken cancellationToken)
    {
        string? failure = null;
        try
        {
            var elapsed = await Task.Run(() => ModelWarmup.Run(version, cancellationToken), cancellationToken);
            ManagerLog.WarmedUp(_logger, version.Name, version.Number, version.Models.Count, (long)elapsed.TotalMilliseconds);
        }
        catch (ServableLoadException ex)
        {
            failure = ex.Message;
        }
        catch
        {
            await version.DisposeAsync();
            throw;
        }
        if (failure is not null)
        {
            await version.DisposeAsync();
            throw new ServableLoadException(version.Name, version.Number, failure);
        }
    }

    private void OnChanged(string servable)
    {
        try
        {
            Changed?.Invoke(this, new ServableChangedEventArgs(servable));
        }
        catch (Exception ex)
        {
            ManagerLog.ChangedHandlerFailed(_logger, ex, servable);
        }
    }
}

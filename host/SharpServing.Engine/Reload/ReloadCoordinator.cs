using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SharpServing.Engine.Configuration;
using SharpServing.Engine.Loading;
using SharpServing.Engine.Repository;

namespace SharpServing.Engine.Reload;

/// <summary>
/// Keeps the published servable versions in line with the servable folders (docs/hot-reload.md). After the start it
/// watches the servables roots: file events mark a servable changed, and once its folders have been quiet for
/// <see cref="ServingConfiguration.WatchDebounce"/> one pass loads what is new or changed and unloads what is gone or
/// no longer selected by the version policy. A rescan every <see cref="ServingConfiguration.RescanInterval"/> catches
/// lost events; a change it finds is applied only when a second scan one quiet period later sees the same files. Every
/// load goes through <see cref="ServableManager"/>: built and warmed up completely, then published atomically, the old
/// object drained and unloaded; a failed load keeps what served before and is reported with its reason.
/// </summary>
/// <remarks>
/// Servables are independent: each has a gate of its own, a pass starts the work of each servable that has some and
/// does not wait for it, and a servable still busy from an earlier pass (a slow compile, a load running to its
/// <see cref="ServingConfiguration.LoadTimeout"/>) is looked at again once it is done. So no servable delays another's
/// load, a reload request of another servable, a status read or shutdown.
/// </remarks>
public sealed class ReloadCoordinator : IAsyncDisposable
{
    private readonly ServableManager _manager;
    private readonly ServingConfiguration _configuration;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ServableReconciler _reconciler;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Task> _applying = new(StringComparer.Ordinal);   // under _lock
    private readonly HashSet<string> _deferred = new(StringComparer.Ordinal);            // under _lock
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _lock = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _passed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _changes;
    private long _passes;
    private DateTimeOffset _lastChangeAt;
    private RepositoryWatcher? _watcher;
    private Task? _loop;
    private int _disposed;

    /// <summary>A coordinator for <paramref name="manager"/> and its configuration. Nothing happens before <see cref="StartAsync"/>.</summary>
    /// <param name="manager">The manager that loads, publishes and unloads.</param>
    /// <param name="timeProvider">The clock of the quiet period and the rescans (default: the system clock).</param>
    /// <param name="loggerFactory">Where loads, swaps, failures and unloads are logged.</param>
    public ReloadCoordinator(ServableManager manager, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(manager);
        _manager = manager;
        _configuration = manager.Configuration;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<ReloadCoordinator>();
        _reconciler = new ServableReconciler(manager, _logger);
    }

    /// <summary>The manager whose versions this coordinator keeps in line.</summary>
    public ServableManager Manager => _manager;

    /// <summary>Whether the servables roots are being watched (started with <see cref="ServingConfiguration.Watch"/> on).</summary>
    public bool IsWatching => _loop is not null && Volatile.Read(ref _disposed) == 0;

    /// <summary>File change events seen so far (for tests).</summary>
    internal long ChangesObserved => Interlocked.Read(ref _changes);

    /// <summary>Drops file events, leaving the rescan alone to find changes (for tests of that safety net).</summary>
    internal bool IgnoreFileEvents { get; set; }

    /// <summary>Reload passes completed so far, each a scan and its loads and unloads (for tests).</summary>
    internal long PassesCompleted => Interlocked.Read(ref _passes);

    /// <summary>
    /// Starts the servables (<see cref="ServableManager.StartAsync"/>: every servable independently, its versions chosen by
    /// its policy) and, with <see cref="ServingConfiguration.Watch"/> on, starts watching. Changes made while the servables
    /// start are noticed and applied afterwards.
    /// </summary>
    /// <returns>The status of each servable version after the start.</returns>
    public async Task<IReadOnlyList<ServableVersionStatus>> StartAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (_loop is not null)
        {
            throw new InvalidOperationException("The reload coordinator is already started.");
        }
        if (_configuration.Watch)
        {
            StartWatcher();
        }
        var primed = ScanAll() ?? [];
        var statuses = await _manager.StartAsync(cancellationToken);
        foreach (var scan in primed.Values.OfType<ServableScan>())
        {
            var gate = GateOf(scan.Name);
            await gate.WaitAsync(cancellationToken);
            try
            {
                _reconciler.Adopt(scan, _manager.GetStatus());
            }
            finally
            {
                gate.Release();
            }
        }
        if (_configuration.Watch)
        {
            _loop = Task.Run(() => WatchLoopAsync(_stopping.Token), CancellationToken.None);
        }
        return statuses;
    }

    /// <summary>
    /// Loads <paramref name="servable"/> again from its folder now: every version it serves is rebuilt (same number, new
    /// object, swapped in once warmed up). While watching, its version policy is applied too (new versions load, versions
    /// it no longer selects unload). A servable serving nothing loads the versions its policy selects.
    /// </summary>
    /// <returns>What was loaded, unloaded and what failed; null when there is no such servable.</returns>
    public async Task<ReloadResult?> ReloadAsync(string servable, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(servable);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (RootOf(servable) is not { } root)
        {
            return null;
        }
        // A name that is neither known nor a folder touches no state (no gate is made for it).
        if (!_manager.Contains(servable) && !_manager.GetStatus().Any(s => s.Servable == servable) && ServableScan.Read(root, servable) is null)
        {
            return null;
        }
        try
        {
            return await ApplyNowAsync(servable, root, force: true, managePolicy: IsWatching, cancellationToken);
        }
        finally
        {
            CompletePass();
        }
    }

    /// <summary>
    /// Under <paramref name="servable"/>'s gate only (waiting for nothing of another servable), reads its folder and applies
    /// it: a forced reload, or only what changed. Null when nothing was applied (no folder and nothing served, or no change).
    /// </summary>
    private async Task<ReloadResult?> ApplyNowAsync(string servable, string root, bool force, bool managePolicy, CancellationToken cancellationToken)
    {
        var gate = GateOf(servable);
        await gate.WaitAsync(cancellationToken);
        try
        {
            var scan = ServableScan.Read(root, servable);
            if ((scan is null && !_manager.Contains(servable)) || (!force && !_reconciler.HasWork(servable, scan)))
            {
                return null;
            }
            return await _reconciler.ApplyAsync(servable, scan, force, managePolicy, cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Loads version <paramref name="version"/> of <paramref name="servable"/> (0: its newest folder) and publishes
    /// it. Only with watching off: while watching, the version policy decides what is loaded.</summary>
    /// <exception cref="InvalidOperationException">Watching is on.</exception>
    /// <exception cref="ServableLoadException">The version cannot be loaded; what served before still serves.</exception>
    public Task<ServableVersion> LoadVersionAsync(string servable, long version, CancellationToken cancellationToken)
    {
        ThrowIfWatching(servable);
        if (!Exists(servable))
        {
            throw new ServableLoadException(servable, version, $"servable '{servable}' is not known");
        }
        return _manager.LoadVersionAsync(servable, version, cancellationToken);
    }

    /// <summary>Unpublishes version <paramref name="version"/> of <paramref name="servable"/>; it drains, then unloads.
    /// Only with watching off. False when that version is not published.</summary>
    /// <exception cref="InvalidOperationException">Watching is on.</exception>
    public Task<bool> UnloadVersionAsync(string servable, long version, CancellationToken cancellationToken)
    {
        ThrowIfWatching(servable);
        if (!_manager.Contains(servable))
        {
            return Task.FromResult(false);
        }
        return _manager.UnloadVersionAsync(servable, version, cancellationToken);
    }

    /// <summary>
    /// Whether <paramref name="name"/> may name a servable: what a servable folder may be called (not empty, at most 255
    /// characters, no leading dot, no path separator, no control character).
    /// </summary>
    public static bool IsServableName(string? name)
        => !string.IsNullOrEmpty(name) && name.Length <= 255 && name[0] != '.' && name.IndexOfAny(['/', '\\']) < 0
            && !name.Any(char.IsControl);

    /// <summary>Whether <paramref name="servable"/> is known to the manager (served, loading or failed) or is a servable
    /// folder under its root. Touches no state.</summary>
    public bool Exists(string servable)
        => IsServableName(servable)
            && (_manager.Contains(servable) || _manager.GetStatus().Any(s => s.Servable == servable)
                || (RootOf(servable) is { } root && ServableScan.Read(root, servable) is not null));

    /// <summary>The folder that holds <paramref name="servable"/>'s folder (its servables root), or null.</summary>
    public string? ServablesRootOf(string servable) => IsServableName(servable) ? RootOf(servable) : null;

    /// <summary>How many servable names have a reload gate (for tests: made-up names add none).</summary>
    internal int GateCount => _gates.Count;

    /// <summary>Every servable the manager knows (published, loading or failed), by name, with its versions and methods.</summary>
    public IReadOnlyList<ServableInfo> GetServables()
    {
        var statuses = _manager.GetStatus();
        var versions = _manager.Versions;
        return [.. statuses.Select(s => s.Servable).Concat(versions.Select(v => v.Name)).Where(n => n.Length > 0)
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(name => Describe(name, statuses, versions))];
    }

    /// <summary>One servable as <see cref="GetServables"/> shows it; null when the manager does not know it.</summary>
    public ServableInfo? GetServable(string servable)
        => GetServables().FirstOrDefault(s => string.Equals(s.Name, servable, StringComparison.Ordinal));

    /// <summary>Scans every servable now and applies what changed, without waiting for the quiet period; completes once
    /// what the folders held when it was called is applied (for tests).</summary>
    internal async Task ScanNowAsync(CancellationToken cancellationToken)
    {
        await RunPassAsync(null, cancellationToken);
        // The pass only marks a servable whose apply was already running (one the watch loop started, perhaps from an
        // older look at its folder) to be looked at again later. Apply what each such folder holds now, under the
        // servable's gate, as a reload does: the caller then sees the folders it wrote.
        if (ScanAll() is not { } scans)
        {
            return;
        }
        foreach (var (name, _) in scans.Where(s => _reconciler.HasWork(s.Key, s.Value)).OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            if (RootOf(name) is { } root)
            {
                await ApplyNowAsync(name, root, force: false, managePolicy: true, cancellationToken);
            }
        }
    }

    /// <summary>Completes once at least <paramref name="count"/> passes have completed (for tests).</summary>
    internal async Task WaitForPassesAsync(long count, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task next;
            lock (_lock)
            {
                if (_passes >= count)
                {
                    return;
                }
                next = _passed.Task;
            }
            await next.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Stops watching (work in progress is cancelled, a load in progress abandoned; what was published stays
    /// published).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _stopping.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }
        Task[] applying;
        lock (_lock)
        {
            applying = [.. _applying.Values];
        }
        // Each ends soon once cancelled: a load in progress is abandoned, not awaited.
        await Task.WhenAll(applying);
        _watcher?.Dispose();
        _stopping.Dispose();
    }

    private void StartWatcher()
    {
        var roots = new List<string>();
        foreach (var root in Roots())
        {
            if (Directory.Exists(root))
            {
                roots.Add(root);
            }
            else
            {
                ReloadLog.RootMissing(_logger, root);
            }
        }
        _watcher = new RepositoryWatcher(roots, IsWatched, OnChange);
        var watched = string.Join(", ", roots);
        ReloadLog.Watching(_logger, watched, (long)_configuration.WatchDebounce.TotalMilliseconds, (long)_configuration.RescanInterval.TotalMilliseconds);
    }

    private void OnChange(string? servable)
    {
        if (IgnoreFileEvents)
        {
            return;
        }
        if (servable is null)
        {
            ReloadLog.EventsLost(_logger);
        }
        TaskCompletionSource changed;
        lock (_lock)
        {
            _changes++;
            _lastChangeAt = _time.GetUtcNow();
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }

    /// <summary>
    /// The watch loop: after file events, one pass once they have been quiet for the debounce; otherwise a rescan every
    /// interval, whose findings are applied when a scan one quiet period later agrees (no events told us the copy ended).
    /// </summary>
    private async Task WatchLoopAsync(CancellationToken cancellationToken)
    {
        var debounce = _configuration.WatchDebounce;
        var applied = 0L;
        var lastRescan = _time.GetUtcNow();
        Dictionary<string, ServableScan?>? observed = null;
        var observedAt = DateTimeOffset.MinValue;
        while (!cancellationToken.IsCancellationRequested)
        {
            Task changed;
            long changes;
            DateTimeOffset lastChange;
            lock (_lock)
            {
                changed = _changed.Task;
                changes = _changes;
                lastChange = _lastChangeAt;
            }
            var now = _time.GetUtcNow();
            var due = changes != applied ? lastChange + debounce
                : observed is not null ? observedAt + debounce
                : lastRescan + _configuration.RescanInterval;
            try
            {
                if (due > now)
                {
                    await WaitAsync(due - now, changed, cancellationToken);
                    continue;
                }
                if (changes != applied)
                {
                    applied = changes;
                    observed = null;
                    _ = RunPassAsync(null, cancellationToken);
                }
                else
                {
                    var scans = await ScanForWorkAsync(cancellationToken);
                    if (scans is null)
                    {
                        observed = null;
                    }
                    else if (observed is not null && Same(observed, scans))
                    {
                        observed = null;
                        _ = RunPassAsync(scans, cancellationToken);
                    }
                    else
                    {
                        observed = scans;
                        observedAt = now;
                    }
                }
                lastRescan = _time.GetUtcNow();
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // The loop is the boundary: a failed pass is logged and the next change or rescan tries again.
                ReloadLog.PassFailed(_logger, ex);
                lastRescan = _time.GetUtcNow();
            }
        }
    }

    /// <summary>A scan of every servable when some servable has work in it; null otherwise.</summary>
    private Task<Dictionary<string, ServableScan?>?> ScanForWorkAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var scans = ScanAll();
        return Task.FromResult(scans is not null && scans.Any(s => _reconciler.HasWork(s.Key, s.Value)) ? scans : null);
    }

    private async Task WaitAsync(TimeSpan delay, Task changed, CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timer = Task.Delay(delay, _time, wait.Token);
        await Task.WhenAny(timer, changed);
        await wait.CancelAsync();
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>
    /// One pass: starts the work of every servable of <paramref name="scans"/> (null: scans now) that has some, each on its
    /// own; a servable still busy is looked at again once it is done. Completes (and counts as a pass) when the work it
    /// started is done; the watch loop does not wait for it.
    /// </summary>
    /// <remarks>Never faults: each servable's work is its own boundary, and the pass is one too.</remarks>
    private async Task RunPassAsync(Dictionary<string, ServableScan?>? scans, CancellationToken cancellationToken)
    {
        var started = new List<Task>();
        try
        {
            scans ??= ScanAll();
            if (scans is null)
            {
                return;
            }
            foreach (var (name, scan) in scans.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                if (_reconciler.HasWork(name, scan))
                {
                    started.Add(StartApply(name, scan, cancellationToken));
                }
            }
            await Task.WhenAll(started);
        }
        catch (Exception ex)
        {
            // The watch loop does not await a pass: its failure is logged here, and the next change or rescan tries again.
            ReloadLog.PassFailed(_logger, ex);
        }
        finally
        {
            CompletePass();
        }
    }

    /// <summary>Starts applying <paramref name="scan"/> to <paramref name="name"/>, or, while that servable is busy, marks
    /// it to be looked at again afterwards.</summary>
    private Task StartApply(string name, ServableScan? scan, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_applying.TryGetValue(name, out var running))
            {
                _deferred.Add(name);
                return running;
            }
            var apply = ApplyAsync(name, scan, cancellationToken);
            _applying[name] = apply;
            return apply;
        }
    }

    private async Task ApplyAsync(string name, ServableScan? scan, CancellationToken cancellationToken)
    {
        // Off the caller (it holds the lock) before anything runs.
        await Task.Yield();
        try
        {
            var gate = GateOf(name);
            await gate.WaitAsync(cancellationToken);
            try
            {
                if (_reconciler.HasWork(name, scan))
                {
                    await _reconciler.ApplyAsync(name, scan, force: false, managePolicy: true, cancellationToken);
                }
            }
            finally
            {
                gate.Release();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            ReloadLog.ApplyCancelled(_logger, name);
        }
        catch (Exception ex)
        {
            // Each servable's work is a boundary: its failure is logged and its next change or rescan tries again.
            ReloadLog.PassFailed(_logger, ex);
        }
        finally
        {
            bool again;
            lock (_lock)
            {
                _applying.Remove(name);
                again = _deferred.Remove(name);
            }
            if (again && !cancellationToken.IsCancellationRequested)
            {
                // Changes seen while it was busy: one more pass once the folders are quiet.
                OnChange(name);
            }
        }
    }

    private SemaphoreSlim GateOf(string servable) => _gates.GetOrAdd(servable, _ => new SemaphoreSlim(1, 1));

    private void CompletePass()
    {
        TaskCompletionSource passed;
        lock (_lock)
        {
            _passes++;
            passed = _passed;
            _passed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        passed.TrySetResult();
    }

    /// <summary>A scan of every servable of interest (null when the servables root cannot be listed: nothing changes then).</summary>
    private Dictionary<string, ServableScan?>? ScanAll()
    {
        IEnumerable<string> names;
        if (_configuration.Servables.Count > 0)
        {
            names = _configuration.Servables.Select(s => s.ServableName);
        }
        else
        {
            var root = ServableRepository.ResolveRoot(_configuration.ServablesRoot!);
            try
            {
                names = ServableRepository.ListServables(root);
            }
            catch (Exception ex) when (ex is ServableLoadException or IOException or UnauthorizedAccessException)
            {
                ReloadLog.RootUnreadable(_logger, root, ex.Message);
                return null;
            }
            names = names.Concat(_reconciler.Known).Concat(_manager.Versions.Select(v => v.Name));
        }
        var scans = new Dictionary<string, ServableScan?>(StringComparer.Ordinal);
        foreach (var name in names.Distinct(StringComparer.Ordinal))
        {
            try
            {
                scans[name] = RootOf(name) is { } root ? ServableScan.Read(root, name) : null;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Changing under our feet: left out of this pass; its events bring it back.
            }
        }
        return scans;
    }

    private static bool Same(Dictionary<string, ServableScan?> a, Dictionary<string, ServableScan?> b)
        => a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var other) && (p.Value is null ? other is null : p.Value.SameAs(other)));

    private IEnumerable<string> Roots()
        => _configuration.Servables.Count > 0
            ? _configuration.Servables.Select(s => s.ResolvedServableDirectory).Distinct(StringComparer.Ordinal)
            : [ServableRepository.ResolveRoot(_configuration.ServablesRoot!)];

    private bool IsWatched(string servable)
        => _configuration.Servables.Count == 0 || _configuration.Servables.Any(s => s.ServableName == servable);

    /// <summary>The servables root of <paramref name="servable"/>; null when it is not a servable this server may serve.</summary>
    private string? RootOf(string servable)
    {
        if (servable.Length == 0 || servable.StartsWith('.') || servable.IndexOfAny(['/', '\\']) >= 0)
        {
            return null;
        }
        if (_configuration.Servables.Count > 0)
        {
            return _configuration.Servables.FirstOrDefault(s => s.ServableName == servable)?.ResolvedServableDirectory;
        }
        return ServableRepository.ResolveRoot(_configuration.ServablesRoot!);
    }

    private void ThrowIfWatching(string servable)
    {
        if (IsWatching)
        {
            throw new InvalidOperationException(
                $"Servable '{servable}': versions are not loaded or unloaded by hand while the servables are watched; the version policy "
                + $"'{PolicyText(servable)}' decides. Start the server with watching off (--no-watch) to manage versions explicitly");
        }
    }

    private string PolicyText(string servable)
    {
        var entries = _configuration.Servables.Where(s => s.ServableName == servable).ToList();
        return entries.Count > 0 && entries.All(e => e.VersionNumber > 0)
            ? VersionPolicy.Specific(entries.Select(e => e.VersionNumber)).ToString()
            : _configuration.PolicyFor(servable).ToString();
    }

    private ServableInfo Describe(string name, IReadOnlyList<ServableVersionStatus> statuses, IReadOnlyList<ServableVersion> versions)
    {
        var published = versions.Where(v => v.Name == name).ToDictionary(v => v.Number);
        var onDemand = _manager.LoadsOnDemand;
        var entries = statuses.Where(s => s.Servable == name)
            .Select(s => WithMemory(new ServableVersionInfo(s.Version, s.State, s.Error, Methods(published.GetValueOrDefault(s.Version)))
                { Worker = published.GetValueOrDefault(s.Version)?.Worker?.Status, UnloadReason = s.UnloadReason }, published.GetValueOrDefault(s.Version), onDemand))
            .Concat(published.Values.Where(v => !statuses.Any(s => s.Servable == name && s.Version == v.Number))
                .Select(v => WithMemory(new ServableVersionInfo(v.Number, ServableVersionState.Available, null, Methods(v)) { Worker = v.Worker?.Status }, v, onDemand)))
            .OrderBy(v => v.Version);
        return new ServableInfo(name, PolicyText(name), [.. entries]);
    }

    /// <summary>While versions load on demand, a published version's memory and last use.</summary>
    private static ServableVersionInfo WithMemory(ServableVersionInfo info, ServableVersion? version, bool onDemand)
        => onDemand && version is not null
            ? info with { MemoryBytes = version.MemoryBytes, LastUsed = new DateTimeOffset(Volatile.Read(ref version.LastUsedTicks), TimeSpan.Zero) }
            : info;

    private static IReadOnlyList<ServableMethodInfo> Methods(ServableVersion? version)
        => version is null ? [] : [.. version.Methods.Values.OrderBy(m => m.Name, StringComparer.Ordinal)
            .Select(m => new ServableMethodInfo(m.Name, [.. m.Inputs], [.. m.Outputs]))];
}

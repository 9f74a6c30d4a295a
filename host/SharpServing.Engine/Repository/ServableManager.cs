using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SharpServing.Engine.Configuration;
using SharpServing.Engine.Loading;

namespace SharpServing.Engine.Repository;

/// <summary>
/// Loads the configured servables and publishes their versions: the <see cref="IServableCatalog"/> the dispatcher
/// resolves through. Each servable starts independently (a failing one is reported in <see cref="GetStatus"/> and the log;
/// the others serve). Publication swaps an immutable snapshot, so a request sees a version completely or not at all;
/// a replaced or unloaded version drains, then is disposed and its load context unloaded.
/// </summary>
public sealed class ServableManager : IServableCatalog, IAsyncDisposable
{
    private readonly ServingConfiguration _configuration;
    private readonly ServableLoader _loader;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Servable, long Version), ServableVersionStatus> _status = [];
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _servableLocks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ScriptCache> _caches = new(StringComparer.Ordinal);
    private CatalogSnapshot _snapshot = CatalogSnapshot.Empty;
    private bool _disposed;

    /// <summary>A manager for <paramref name="configuration"/> (validated here). Nothing loads until <see cref="StartAsync"/>.</summary>
    /// <exception cref="ServingConfigurationException">The configuration is invalid.</exception>
    public ServableManager(ServingConfiguration configuration, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        configuration.Validate();
        _configuration = configuration;
        var factory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = factory.CreateLogger<ServableManager>();
        _loader = new ServableLoader(CacheFor, timeProvider, factory);
    }

    /// <summary>The published versions, by name then number.</summary>
    public IReadOnlyList<ServableVersion> Versions => [.. Volatile.Read(ref _snapshot).All.OrderBy(v => v.Name, StringComparer.Ordinal).ThenBy(v => v.Number)];

    /// <summary>How many scripts were compiled (not taken from the compiled-script cache) so far.</summary>
    public int ScriptCompilations => _loader.Compilations;

    /// <inheritdoc />
    public bool TryGetVersion(string servable, ulong version, [NotNullWhen(true)] out ServableVersion? servableVersion)
    {
        servableVersion = Volatile.Read(ref _snapshot).Find(servable, version);
        return servableVersion is not null;
    }

    /// <inheritdoc />
    public bool Contains(string servable) => Volatile.Read(ref _snapshot).Contains(servable);

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
            if (removed is null)
            {
                return false;
            }
            await RetireAsync(removed);
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
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var options = new ExecutionOptions
            {
                MaxEnqueuedRequests = _configuration.MaxEnqueuedRequests,
                ParallelWorkers = config.NumParallelWorkers,
            };
            lock (_gate)
            {
                // A reload of a published version leaves it Available (it serves until the new one is published).
                if (config.VersionNumber == 0 || _snapshot.Find(name, (ulong)config.VersionNumber) is null)
                {
                    _status[(name, config.VersionNumber)] = new ServableVersionStatus(name, config.VersionNumber, ServableVersionState.Loading);
                }
            }
            ServableVersion version;
            try
            {
                version = await _loader.LoadAsync(config, options, cancellationToken);
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
            if (replaced is not null)
            {
                await RetireAsync(replaced, keepStatus: true);
            }
            return version;
        }
        finally
        {
            gate.Release();
        }
    }

    private async ValueTask RetireAsync(ServableVersion version, bool keepStatus = false)
    {
        var name = version.Name;
        var number = version.Number;
        ManagerLog.Unloading(_logger, name, number);
        await version.DisposeAsync();
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
        if (_configuration.Servables.Count == 0)
        {
            var root = _configuration.ServablesRoot!;
            return ([.. ServableRepository.ListServables(root).Select(name => new ServableStartConfig(root, name))], []);
        }
        var merged = new List<ServableStartConfig>();
        var conflicts = new List<ServableVersionStatus>();
        foreach (var config in _configuration.Servables)
        {
            var resolved = config.Clone();
            if (resolved.VersionNumber == 0)
            {
                var versions = ServableRepository.ListVersions(Path.Combine(config.ResolvedServableDirectory, config.ServableName));
                resolved.VersionNumber = versions.Count == 0 ? 0 : versions[^1];
            }
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
}

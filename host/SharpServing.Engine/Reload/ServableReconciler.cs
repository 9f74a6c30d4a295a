using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using SharpServing.Engine.Loading;
using SharpServing.Engine.Repository;

namespace SharpServing.Engine.Reload;

/// <summary>
/// Brings one servable's published versions in line with its folder: loads the versions its policy wants that are
/// missing or whose files changed since they were loaded (a new object for the same number, swapped in by the
/// manager), then unloads the versions it no longer wants, but only once a wanted version serves. Remembers the state
/// each load saw, so an unchanged folder is never loaded twice and a failing one is retried only after it changes.
/// Servables are independent: calls for different servables may run at once; the coordinator runs the calls for one
/// servable one at a time (under that servable's gate).
/// </summary>
internal sealed class ServableReconciler(ServableManager manager, ILogger logger)
{
    // servable → version number → ServableScan.Key of the last load attempt (successful or not).
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<long, string>> _attempts = new(StringComparer.Ordinal);

    /// <summary>The servables this reconciler has loaded or tried to load.</summary>
    public IEnumerable<string> Known => _attempts.Keys;

    /// <summary>Records what the start loaded (or failed to load) from the files <paramref name="scan"/> saw before it.</summary>
    public void Adopt(ServableScan scan, IEnumerable<ServableVersionStatus> statuses)
    {
        var attempts = AttemptsOf(scan.Name);
        foreach (var status in statuses.Where(s => s.Servable == scan.Name && s.Version > 0))
        {
            attempts[status.Version] = scan.Key(status.Version);
        }
    }

    /// <summary>Whether <see cref="ApplyAsync"/> would change anything.</summary>
    public bool HasWork(string name, ServableScan? scan)
    {
        var published = Published(name);
        if (scan is null)
        {
            return published.Count > 0 || _attempts.ContainsKey(name);
        }
        var desired = Desired(name, scan, managePolicy: true, published);
        var attempts = _attempts.GetValueOrDefault(name);
        if (desired.Any(v => attempts?.GetValueOrDefault(Number(v)) != scan.Key(Number(v))))
        {
            return true;
        }
        var numbers = desired.Select(Number).ToHashSet();
        return published.Any(numbers.Contains) && published.Any(p => !numbers.Contains(p));
    }

    /// <summary>
    /// Applies <paramref name="scan"/> (null: the servable folder is gone, so every version unloads). With
    /// <paramref name="force"/> every wanted version loads again even when unchanged. Without <paramref name="managePolicy"/>
    /// (watching off) the wanted versions are the published ones, and nothing unloads.
    /// </summary>
    public async Task<ReloadResult> ApplyAsync(string name, ServableScan? scan, bool force, bool managePolicy, CancellationToken cancellationToken)
    {
        var loaded = new List<long>();
        var unloaded = new List<long>();
        var failures = new List<ServableVersionStatus>();
        if (scan is null)
        {
            foreach (var number in Published(name))
            {
                ReloadLog.Unloading(logger, name, number, "the servable folder is gone");
                if (await manager.UnloadVersionAsync(name, number, cancellationToken))
                {
                    unloaded.Add(number);
                }
            }
            foreach (var status in manager.GetStatus().Where(s => s.Servable == name))
            {
                manager.ForgetFailure(name, status.Version);
            }
            _attempts.TryRemove(name, out _);
            return new ReloadResult(name, loaded, unloaded, failures);
        }

        var attempts = AttemptsOf(name);
        var desired = Desired(name, scan, managePolicy, Published(name));
        if (desired.Count == 0)
        {
            var policy = manager.Configuration.PolicyFor(name);
            manager.ReportFailure(name, 0,
                $"Start servable failed: the version policy '{policy}' of servable '{name}' selects none of its versions [{string.Join(", ", scan.VersionNumbers)}]");
        }
        // Newest first: requests for the latest version switch as early as possible.
        foreach (var version in desired.OrderDescending())
        {
            var number = Number(version);
            var key = scan.Key(number);
            if (!force && attempts.GetValueOrDefault(number) == key)
            {
                continue;
            }
            var reason = Reason(attempts.GetValueOrDefault(number), key, force, scan);
            ReloadLog.Loading(logger, name, number, reason);
            attempts[number] = key;
            if (!force && manager.DeferLoad(name, version))
            {
                // Lazy loading: a version that is not loaded loads on its next request, from the files as they are then.
                continue;
            }
            try
            {
                await manager.LoadVersionAsync(name, version, cancellationToken);
                loaded.Add(number);
            }
            catch (ServableLoadException ex)
            {
                ReloadLog.SwapFailed(logger, name, number, ex.Message);
                failures.Add(new ServableVersionStatus(name, number, ServableVersionState.Failed, ex.Message));
            }
        }

        var wanted = desired.Select(Number).ToHashSet();
        var published = Published(name);
        if (managePolicy && (published.Any(wanted.Contains) || manager.LoadsOnDemand))
        {
            foreach (var number in published.Where(p => !wanted.Contains(p)))
            {
                ReloadLog.Unloading(logger, name, number, scan.Versions.ContainsKey(number)
                    ? $"the version policy '{manager.Configuration.PolicyFor(name)}' no longer selects it"
                    : "its version folder is gone");
                if (await manager.UnloadVersionAsync(name, number, cancellationToken))
                {
                    unloaded.Add(number);
                }
                attempts.TryRemove(number, out _);
            }
            foreach (var status in manager.GetStatus().Where(s => s.Servable == name && !wanted.Contains(s.Version)))
            {
                manager.ForgetFailure(name, status.Version);
                attempts.TryRemove(status.Version, out _);
            }
        }
        return new ReloadResult(name, loaded, unloaded, failures);
    }

    /// <summary>The versions to serve: 0 stands for "the loader's choice" of a servable without version folders.</summary>
    private IReadOnlyList<long> Desired(string name, ServableScan scan, bool managePolicy, List<long> published)
        => managePolicy || published.Count == 0 ? manager.SelectVersions(name, scan.VersionNumbers) : published;

    /// <summary>The number a version is published under: a servable without version folders serves as version 1.</summary>
    private static long Number(long version) => version == 0 ? 1 : version;

    private static string Reason(string? previous, string key, bool force, ServableScan scan)
    {
        if (force)
        {
            return "reload requested";
        }
        if (previous is null)
        {
            return "new version";
        }
        var config = key[..key.IndexOf('|', StringComparison.Ordinal)];
        return previous.StartsWith(config + "|", StringComparison.Ordinal) ? "its version folder changed" : $"its {(scan.ConfigFingerprint.StartsWith("plugin", StringComparison.Ordinal) ? "plugin" : "script")} changed";
    }

    private List<long> Published(string name) => [.. manager.Versions.Where(v => v.Name == name).Select(v => v.Number)];

    private ConcurrentDictionary<long, string> AttemptsOf(string name) => _attempts.GetOrAdd(name, _ => new ConcurrentDictionary<long, string>());
}

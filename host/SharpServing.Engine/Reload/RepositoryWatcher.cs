namespace SharpServing.Engine.Reload;

/// <summary>
/// File system events under the servables roots, reduced to "something changed in servable X" (or "something may
/// have changed", when the event queue overflowed). Paths with a segment that starts with a dot are ignored: the
/// compiled-script cache (<c>.cache/</c>) and folders being copied in under a temporary name (<c>.3.tmp/</c>).
/// </summary>
internal sealed class RepositoryWatcher : IDisposable
{
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly Func<string, bool> _isWatched;
    private readonly Action<string?> _changed;

    /// <param name="roots">The servables roots to watch (absolute, existing).</param>
    /// <param name="isWatched">Whether a servable name (a root's subfolder) is of interest.</param>
    /// <param name="changed">Called on a thread-pool thread with the servable's name, or null after an overflow.</param>
    public RepositoryWatcher(IEnumerable<string> roots, Func<string, bool> isWatched, Action<string?> changed)
    {
        _isWatched = isWatched;
        _changed = changed;
        try
        {
            foreach (var root in roots)
            {
                var watcher = new FileSystemWatcher(root)
                {
                    IncludeSubdirectories = true,
                    InternalBufferSize = 64 * 1024,
                    NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
                };
                watcher.Created += (_, e) => OnEvent(root, e.FullPath);
                watcher.Changed += (_, e) => OnEvent(root, e.FullPath);
                watcher.Deleted += (_, e) => OnEvent(root, e.FullPath);
                watcher.Renamed += (_, e) =>
                {
                    OnEvent(root, e.OldFullPath);
                    OnEvent(root, e.FullPath);
                };
                watcher.Error += (_, _) => _changed(null);
                _watchers.Add(watcher);
                watcher.EnableRaisingEvents = true;
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The servable a path under <paramref name="root"/> belongs to; null when the path is ignored.</summary>
    internal static string? ServableOf(string root, string path)
    {
        var relative = Path.GetRelativePath(root, path);
        if (relative == "." || relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative))
        {
            return null;
        }
        var segments = relative.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        return segments.Length == 0 || segments.Any(s => s.StartsWith('.')) ? null : segments[0];
    }

    private void OnEvent(string root, string path)
    {
        if (ServableOf(root, path) is { } servable && _isWatched(servable))
        {
            _changed(servable);
        }
    }

    public void Dispose()
    {
        foreach (var watcher in _watchers)
        {
            watcher.EnableRaisingEvents = false;
            watcher.Dispose();
        }
        _watchers.Clear();
    }
}

using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using SharpServing.Engine.Repository;

namespace SharpServing.Engine.Reload;

/// <summary>
/// What one servable folder holds, as fingerprints: its configuration (the script's content, or the plugin folder's
/// file names, sizes and times) and each canonical version folder (its files' names, sizes and times). Two scans with
/// equal fingerprints saw the same servable. Reads metadata and the script only; never a model file's content.
/// </summary>
internal sealed record ServableScan(string Name, string ConfigFingerprint, IReadOnlyDictionary<long, string> Versions)
{
    /// <summary>Marks a version that has no folder (a servable without models is served as version 1 without one).</summary>
    private const string NoFolder = "-";

    /// <summary>The version numbers present on disk, ascending.</summary>
    public IReadOnlyList<long> VersionNumbers => [.. Versions.Keys.Order()];

    /// <summary>The state a load of version <paramref name="number"/> would see: configuration and version folder.</summary>
    public string Key(long number) => ConfigFingerprint + "|" + Versions.GetValueOrDefault(number, NoFolder);

    /// <summary>Whether <paramref name="other"/> saw exactly the same files.</summary>
    public bool SameAs(ServableScan? other)
        => other is not null && Name == other.Name && ConfigFingerprint == other.ConfigFingerprint
            && Versions.Count == other.Versions.Count
            && Versions.All(v => other.Versions.TryGetValue(v.Key, out var fingerprint) && fingerprint == v.Value);

    /// <summary>Scans <c>&lt;root&gt;/&lt;name&gt;</c>; null when it is not a servable folder (missing, or neither a script
    /// nor a plugin folder).</summary>
    public static ServableScan? Read(string root, string name)
    {
        var directory = Path.Combine(root, name);
        var script = Path.Combine(directory, ServableRepository.ScriptFileName);
        var plugin = Path.Combine(directory, ServableRepository.PluginFolderName);
        var hasScript = File.Exists(script);
        var hasPlugin = Directory.Exists(plugin);
        if (!hasScript && !hasPlugin)
        {
            return null;
        }
        var config = new StringBuilder();
        if (hasScript)
        {
            config.Append("script:").Append(ContentHash(script));
        }
        if (hasPlugin)
        {
            config.Append("plugin:").Append(FolderFingerprint(plugin));
        }
        var versions = new Dictionary<long, string>();
        foreach (var number in ServableRepository.ListVersions(directory))
        {
            versions[number] = FolderFingerprint(Path.Combine(directory, number.ToString(CultureInfo.InvariantCulture)));
        }
        return new ServableScan(name, config.ToString(), versions);
    }

    private static string ContentHash(string path)
    {
        try
        {
            return Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)))[..32];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Unreadable now (being written?): a fingerprint equal to nothing, so the next scan looks again.
            return Unstable();
        }
    }

    /// <summary>A hash of every file under <paramref name="folder"/> (dotted names aside): relative path, size, last write time.</summary>
    private static string FolderFingerprint(string folder)
    {
        try
        {
            var text = new StringBuilder();
            var files = new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories)
                .Select(f => (Path: Path.GetRelativePath(folder, f.FullName), f.Length, f.LastWriteTimeUtc.Ticks))
                // Like the watcher, ignore what is being copied in under a dotted temporary name.
                .Where(f => !f.Path.Split(Path.DirectorySeparatorChar).Any(s => s.StartsWith('.')))
                .OrderBy(f => f.Path, StringComparer.Ordinal);
            foreach (var (path, length, ticks) in files)
            {
                text.Append(path).Append('|').Append(length).Append('|').Append(ticks).Append('\n');
            }
            return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..32];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Unstable();
        }
    }

    private static string Unstable() => "unstable:" + Guid.NewGuid().ToString("N");
}

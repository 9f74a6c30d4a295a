using System.Collections.Frozen;

namespace SharpServing.Engine.Repository;

/// <summary>An immutable view of the published versions: name → versions ascending. Replaced as a whole on every change.</summary>
internal sealed class CatalogSnapshot
{
    public static readonly CatalogSnapshot Empty = new(FrozenDictionary<string, ServableVersion[]>.Empty);

    private readonly FrozenDictionary<string, ServableVersion[]> _versions;

    private CatalogSnapshot(FrozenDictionary<string, ServableVersion[]> versions)
    {
        _versions = versions;
    }

    public IEnumerable<ServableVersion> All => _versions.Values.SelectMany(v => v);

    public bool Contains(string servable) => _versions.ContainsKey(servable);

    /// <summary>Version <paramref name="number"/> of <paramref name="servable"/>; 0 = the highest.</summary>
    public ServableVersion? Find(string servable, ulong number)
    {
        if (!_versions.TryGetValue(servable, out var versions))
        {
            return null;
        }
        if (number == 0)
        {
            return versions[^1];
        }
        foreach (var version in versions)
        {
            if ((ulong)version.Number == number)
            {
                return version;
            }
        }
        return null;
    }

    /// <summary>A snapshot with <paramref name="version"/> added (replacing the same number); the replaced one, if any.</summary>
    public CatalogSnapshot With(ServableVersion version, out ServableVersion? replaced)
    {
        var current = _versions.GetValueOrDefault(version.Name) ?? [];
        replaced = current.FirstOrDefault(v => v.Number == version.Number);
        var updated = current.Where(v => v.Number != version.Number).Append(version).OrderBy(v => v.Number).ToArray();
        return Replace(version.Name, updated);
    }

    /// <summary>A snapshot without version <paramref name="number"/> of <paramref name="servable"/>; the removed one, if any.</summary>
    public CatalogSnapshot Without(string servable, long number, out ServableVersion? removed)
    {
        var current = _versions.GetValueOrDefault(servable) ?? [];
        removed = current.FirstOrDefault(v => v.Number == number);
        return removed is null ? this : Replace(servable, [.. current.Where(v => v.Number != number)]);
    }

    private CatalogSnapshot Replace(string servable, ServableVersion[] versions)
    {
        var copy = new Dictionary<string, ServableVersion[]>(_versions, StringComparer.Ordinal);
        if (versions.Length == 0)
        {
            copy.Remove(servable);
        }
        else
        {
            copy[servable] = versions;
        }
        return new CatalogSnapshot(copy.ToFrozenDictionary(StringComparer.Ordinal));
    }
}

using System.Globalization;

namespace SharpServing.Engine.Reload;

/// <summary>
/// Which version folders of a servable are loaded: the latest N (default: the latest one), all of them, or specific
/// numbers. Text form (configuration file, command line): <c>latest</c>, <c>latest:N</c>, <c>all</c>,
/// <c>specific:1,3</c>. Immutable.
/// </summary>
public sealed class VersionPolicy : IEquatable<VersionPolicy>
{
    private const string SyntaxHelp = "expected 'latest', 'latest:N' (N >= 1), 'all' or 'specific:V1,V2,...' (V >= 1)";

    private VersionPolicy(VersionPolicyKind kind, int count, IReadOnlyList<long> versions)
    {
        Kind = kind;
        Count = count;
        Versions = versions;
    }

    /// <summary>The newest version only: the default.</summary>
    public static VersionPolicy Default { get; } = new(VersionPolicyKind.Latest, 1, []);

    /// <summary>Every version folder.</summary>
    public static VersionPolicy All { get; } = new(VersionPolicyKind.All, 0, []);

    /// <summary>What kind of policy this is.</summary>
    public VersionPolicyKind Kind { get; }

    /// <summary>For <see cref="VersionPolicyKind.Latest"/>: how many of the newest versions (at least 1); else 0.</summary>
    public int Count { get; }

    /// <summary>For <see cref="VersionPolicyKind.Specific"/>: the version numbers, ascending, distinct; else empty.</summary>
    public IReadOnlyList<long> Versions { get; }

    /// <summary>The newest <paramref name="count"/> versions.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is less than 1.</exception>
    public static VersionPolicy Latest(int count = 1)
    {
        if (count < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"Parameter 'version_policy' latest count should be >= 1, but actually {count}");
        }
        return count == 1 ? Default : new VersionPolicy(VersionPolicyKind.Latest, count, []);
    }

    /// <summary>Exactly these versions (those of them that exist on disk).</summary>
    /// <exception cref="ArgumentException">No version given, or one is less than 1.</exception>
    public static VersionPolicy Specific(params IEnumerable<long> versions)
    {
        ArgumentNullException.ThrowIfNull(versions);
        var list = versions.Distinct().Order().ToArray();
        if (list.Length == 0)
        {
            throw new ArgumentException("Parameter 'version_policy' specific needs at least one version number");
        }
        if (list[0] < 1)
        {
            throw new ArgumentException($"Parameter 'version_policy' specific versions should be >= 1, but actually {list[0]}");
        }
        return new VersionPolicy(VersionPolicyKind.Specific, 0, list);
    }

    /// <summary>Parses the text form (case ignored, spaces allowed around numbers).</summary>
    /// <exception cref="ArgumentException">The text is not a policy; the message says what is expected.</exception>
    public static VersionPolicy Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        var colon = trimmed.IndexOf(':', StringComparison.Ordinal);
        var head = (colon < 0 ? trimmed : trimmed[..colon]).Trim().ToUpperInvariant();
        var tail = colon < 0 ? null : trimmed[(colon + 1)..];
        switch (head)
        {
            case "LATEST" when tail is null:
                return Default;
            case "LATEST" when TryNumber(tail, out var count) && count is >= 1 and <= int.MaxValue:
                return Latest((int)count);
            case "ALL" when tail is null:
                return All;
            case "SPECIFIC" when tail is not null:
                var numbers = new List<long>();
                foreach (var part in tail.Split(','))
                {
                    if (!TryNumber(part, out var number) || number < 1)
                    {
                        throw new ArgumentException($"Parameter 'version_policy' is invalid: '{text}', {SyntaxHelp}");
                    }
                    numbers.Add(number);
                }
                return Specific(numbers);
            default:
                throw new ArgumentException($"Parameter 'version_policy' is invalid: '{text}', {SyntaxHelp}");
        }
    }

    /// <summary>The versions to load out of <paramref name="available"/> (the version folders, ascending), ascending.</summary>
    public IReadOnlyList<long> Select(IReadOnlyList<long> available)
    {
        ArgumentNullException.ThrowIfNull(available);
        return Kind switch
        {
            VersionPolicyKind.Latest => [.. available.Order().Skip(Math.Max(0, available.Count - Count))],
            VersionPolicyKind.All => [.. available.Order()],
            _ => [.. available.Where(v => Versions.Contains(v)).Order()],
        };
    }

    /// <inheritdoc />
    public bool Equals(VersionPolicy? other)
        => other is not null && Kind == other.Kind && Count == other.Count && Versions.SequenceEqual(other.Versions);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as VersionPolicy);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Kind, Count, Versions.Count);

    /// <summary>The text form, e.g. <c>latest:2</c>.</summary>
    public override string ToString() => Kind switch
    {
        VersionPolicyKind.Latest => Count == 1 ? "latest" : $"latest:{Count.ToString(CultureInfo.InvariantCulture)}",
        VersionPolicyKind.All => "all",
        _ => "specific:" + string.Join(',', Versions.Select(v => v.ToString(CultureInfo.InvariantCulture))),
    };

    private static bool TryNumber(string? text, out long value)
        => long.TryParse(text?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out value);
}

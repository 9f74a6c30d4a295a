using SharpServing.Engine;

namespace SharpServing.Server.Rest.Internal;

/// <summary>
/// The strict RESTful URL grammar (compatibility specification 6.2):
/// <c>/model/&lt;servable&gt;[/version/&lt;n&gt;]:&lt;method&gt;</c> or <c>/version/&lt;n&gt;/model/&lt;servable&gt;:&lt;method&gt;</c>.
/// The query string is dropped; there is no percent-decoding. Checks: route shape, then version, then method.
/// </summary>
internal static class RestUrlParser
{
    public const string ModelMissing = "please check url, the keyword:[model] must contain.";
    public const string MethodMissing = "please check url, the keyword:[service method] must contain.";

    private const string ModelPrefix = "/model/";
    private const string VersionPrefix = "/version/";
    private const string VersionInfix = "/version/";
    private const string ModelInfix = "/model/";

    /// <summary>Parses a request target (path and optional query); returns the route, or null with the error text.</summary>
    public static RestRoute? Parse(string target, out string? error)
    {
        ArgumentNullException.ThrowIfNull(target);
        var query = target.IndexOf('?', StringComparison.Ordinal);
        var path = query >= 0 ? target.AsSpan(0, query) : target.AsSpan();

        var colon = path.IndexOf(':');
        var route = colon >= 0 ? path[..colon] : path;
        var method = colon >= 0 ? path[(colon + 1)..] : [];

        if (!TrySplitRoute(route, out var servable, out var versionToken, out var hasVersion))
        {
            error = ModelMissing;
            return null;
        }
        ulong version = 0;
        if (hasVersion && !TryParseVersion(versionToken, out version, out error))
        {
            return null;
        }
        if (method.IsEmpty)
        {
            error = MethodMissing;
            return null;
        }
        error = null;
        return new RestRoute(servable.ToString(), version, method.ToString());
    }

    private static bool TrySplitRoute(ReadOnlySpan<char> route, out ReadOnlySpan<char> servable, out ReadOnlySpan<char> version, out bool hasVersion)
    {
        servable = default;
        version = default;
        hasVersion = false;
        if (route.StartsWith(ModelPrefix, StringComparison.Ordinal))
        {
            var rest = route[ModelPrefix.Length..];
            var slash = rest.IndexOf('/');
            if (slash < 0)
            {
                servable = rest;
                return !servable.IsEmpty;
            }
            servable = rest[..slash];
            var tail = rest[slash..];
            if (servable.IsEmpty || !tail.StartsWith(VersionInfix, StringComparison.Ordinal))
            {
                return false;
            }
            version = tail[VersionInfix.Length..];
            hasVersion = true;
            return !version.Contains('/');
        }
        if (route.StartsWith(VersionPrefix, StringComparison.Ordinal))
        {
            var rest = route[VersionPrefix.Length..];
            var slash = rest.IndexOf('/');
            if (slash < 0)
            {
                return false;
            }
            version = rest[..slash];
            hasVersion = true;
            var tail = rest[slash..];
            if (!tail.StartsWith(ModelInfix, StringComparison.Ordinal))
            {
                return false;
            }
            servable = tail[ModelInfix.Length..];
            return !servable.IsEmpty && !servable.Contains('/');
        }
        return false;
    }

    private static bool TryParseVersion(ReadOnlySpan<char> token, out ulong version, out string? error)
    {
        version = 0;
        var digits = token.StartsWith('-') ? token[1..] : token;
        if (digits.IsEmpty || digits.ContainsAnyExceptInRange('0', '9'))
        {
            error = $"please check url, the keyword:[version] value invalid, request version number {ErrorQuote.Text(token)}";
            return false;
        }
        var negative = token.Length != digits.Length;
        var trimmed = digits.TrimStart('0');
        // Too many digits to parse is a range error, like a negative value or one of 2^32 - 1 and above.
        if (trimmed.Length > 19 || !ulong.TryParse(trimmed.IsEmpty ? "0" : trimmed, System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out var value)
            || (negative && value != 0) || value >= uint.MaxValue)
        {
            error = $"please check url, version number range failed, request version number {ErrorQuote.Text(token)}";
            return false;
        }
        version = value;
        error = null;
        return true;
    }
}

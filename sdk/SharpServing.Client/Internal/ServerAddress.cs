namespace SharpServing.Internal;

/// <summary>
/// A gRPC target as the MindSpore Serving client takes it: <c>host:port</c> (also <c>dns:</c>, <c>ipv4:</c>, <c>ipv6:</c>
/// prefixed), <c>unix:relative/path</c> or <c>unix:///abs/path</c>. An address that cannot be parsed is not an error
/// until a call is made (the Python client does not validate it either); <see cref="Problem"/> then says why.
/// </summary>
internal sealed record ServerAddress(string Authority, string? UnixSocketPath, string? Problem)
{
    private const int DefaultPort = 443;

    public static ServerAddress Parse(string address)
    {
        if (address.StartsWith("unix:", StringComparison.Ordinal))
        {
            var path = address["unix:".Length..];
            if (path.StartsWith("//", StringComparison.Ordinal))
            {
                // unix:///abs/path: an empty authority, then the absolute path.
                path = path[2..];
            }
            return path.Length == 0
                ? new ServerAddress("localhost", null, $"empty unix domain socket path in '{address}'")
                : new ServerAddress("localhost", path, null);
        }
        var target = address;
        foreach (var scheme in (ReadOnlySpan<string>)["dns:///", "dns:", "ipv4:", "ipv6:"])
        {
            if (target.StartsWith(scheme, StringComparison.Ordinal))
            {
                target = target[scheme.Length..];
                break;
            }
        }
        var closeBracket = target.LastIndexOf(']');
        var colon = target.LastIndexOf(':');
        var authority = colon > closeBracket ? target : $"{target}:{DefaultPort}";
        return Uri.TryCreate($"http://{authority}/", UriKind.Absolute, out var uri)
            && uri.PathAndQuery == "/" && uri.UserInfo.Length == 0 && uri.Fragment.Length == 0
            ? new ServerAddress(authority, null, null)
            : new ServerAddress(authority, null, $"DNS resolution failed for {address}: not a host:port address");
    }

    /// <summary>The channel's address: the authority under http or https (a unix socket's authority is <c>localhost</c>).</summary>
    public Uri BaseUri(bool tls) => new($"{(tls ? "https" : "http")}://{Authority}");
}

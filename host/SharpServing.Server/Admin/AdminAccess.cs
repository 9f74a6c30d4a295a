using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace SharpServing.Server.Admin;

/// <summary>
/// Who may call the control API (docs/security.md): a bearer token compared in constant time, a Host header naming this
/// server (a loopback name, the listener's own address, or a configured name), no <c>Origin</c> header (browsers send
/// one on cross-site requests) and, for a POST with a body type, JSON only (no cross-site <c>text/plain</c> form posts).
/// One instance serves the admin listener, the RESTful listener under <c>--admin public</c>, and gRPC calls.
/// </summary>
public sealed class AdminAccess
{
    private static readonly string[] s_loopbackHosts = ["localhost", "127.0.0.1", "::1", "[::1]"];
    private readonly byte[]? _token;
    private readonly HashSet<string> _hosts;

    /// <summary>Access with <paramref name="token"/> (null: no token is asked for) and the Host names
    /// <paramref name="allowedHosts"/> on top of the loopback names.</summary>
    public AdminAccess(string? token, IEnumerable<string>? allowedHosts = null)
    {
        if (token is not null && token.Length == 0)
        {
            throw new ArgumentException("the token must not be empty", nameof(token));
        }
        _token = token is null ? null : Encoding.UTF8.GetBytes(token);
        _hosts = new HashSet<string>(s_loopbackHosts, StringComparer.OrdinalIgnoreCase);
        foreach (var host in allowedHosts ?? [])
        {
            _hosts.Add(host);
        }
    }

    /// <summary>Whether a token is asked for.</summary>
    public bool RequiresToken => _token is not null;

    /// <summary>Adds <paramref name="host"/> (a listener's own address, without port) to the accepted Host names.</summary>
    internal void AllowHost(string host) => _hosts.Add(host);

    /// <summary>Whether an <c>Authorization</c> header value carries the token (<c>Bearer &lt;token&gt;</c>); true for
    /// any value when no token is configured.</summary>
    public bool Authorize(string? authorizationHeader)
    {
        if (_token is null)
        {
            return true;
        }
        const string Scheme = "Bearer ";
        if (authorizationHeader is null || !authorizationHeader.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        var presented = Encoding.UTF8.GetBytes(authorizationHeader.AsSpan(Scheme.Length).Trim().ToString());
        return CryptographicOperations.FixedTimeEquals(presented, _token);
    }

    /// <summary>Whether <paramref name="context"/> passes every check (<see cref="Check"/> gives the reason when not).</summary>
    public bool Authorize(HttpContext context) => Check(context) is null;

    /// <summary>Null when <paramref name="context"/> may call the control API; otherwise the HTTP status and text of the
    /// refusal (403 for a foreign Host or an Origin, 415 for a non-JSON POST body, 401 without the token).</summary>
    public (int Status, string Message)? Check(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        if (!IsAllowedHost(request.Host))
        {
            return (StatusCodes.Status403Forbidden, "the Host header does not name this server");
        }
        if (request.Headers.ContainsKey(HeaderNames.Origin))
        {
            return (StatusCodes.Status403Forbidden, "cross-origin requests are refused");
        }
        if (HttpMethods.IsPost(request.Method) && request.ContentType is { } type && !IsJson(type))
        {
            return (StatusCodes.Status415UnsupportedMediaType, "a POST body must be application/json");
        }
        if (!Authorize(request.Headers.Authorization.Count == 1 ? request.Headers.Authorization[0] : null))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return (StatusCodes.Status401Unauthorized, "a valid bearer token is required");
        }
        return null;
    }

    private bool IsAllowedHost(HostString host)
    {
        if (!host.HasValue)
        {
            return false;
        }
        var name = host.Host;
        return _hosts.Contains(name) || (IPAddress.TryParse(name.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
    }

    private static bool IsJson(string contentType)
        => MediaTypeHeaderValue.TryParse(contentType, out var media)
            && media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase);
}

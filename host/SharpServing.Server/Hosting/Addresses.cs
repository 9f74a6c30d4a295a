using System.Globalization;

namespace SharpServing.Server.Hosting;

/// <summary>
/// Parses the addresses of the gRPC and RESTful servers with MindSpore Serving's rules and exact texts (spec 5.1): host
/// and port split at the last <c>:</c>, port decimal in [1, 65535]; gRPC also takes <c>unix:&lt;path&gt;</c>.
/// Failures throw <see cref="ServerStartException"/>.
/// </summary>
public static class Addresses
{
    /// <summary>The server name used in gRPC texts.</summary>
    public const string GrpcServerName = "Serving gRPC";

    /// <summary>The server name used in RESTful texts.</summary>
    public const string RestfulServerName = "RESTful server";

    private const string UnixPrefix = "unix:";

    /// <summary>Parses a gRPC address: <c>&lt;ip&gt;:&lt;port&gt;</c>, <c>[&lt;ipv6&gt;]:&lt;port&gt;</c> or <c>unix:&lt;path&gt;</c>.</summary>
    public static ListenAddress ParseGrpc(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.StartsWith(UnixPrefix, StringComparison.Ordinal))
        {
            var path = address[UnixPrefix.Length..];
            if (path.Length == 0)
            {
                throw new ServerStartException("Serving Error: Empty grpc server unix domain socket address");
            }
            return ListenAddress.ParsedUnix(address, path);
        }
        return ParseHostPort(address, GrpcServerName);
    }

    /// <summary>Parses a RESTful address: <c>&lt;ip&gt;:&lt;port&gt;</c> or <c>[&lt;ipv6&gt;]:&lt;port&gt;</c>; unix sockets are refused.</summary>
    public static ListenAddress ParseRestful(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.StartsWith(UnixPrefix, StringComparison.Ordinal))
        {
            throw new ServerStartException("Serving Error: RESTful server does not support binding to unix domain socket");
        }
        return ParseHostPort(address, RestfulServerName);
    }

    /// <summary>The bind-failure text of the gRPC server for <paramref name="address"/>.</summary>
    public static string GrpcBindFailed(string address)
        => $"Serving Error: Serving gRPC server start failed, create server failed, address {address}";

    /// <summary>The bind-failure text of the RESTful server for <paramref name="address"/>.</summary>
    public static string RestfulBindFailed(string address)
        => $"Serving Error: RESTful server start failed, bind to the socket address {address} failed";

    /// <summary>The line printed after the gRPC server bound: <c>Serving: Serving gRPC server start success, listening on &lt;a&gt;</c>.</summary>
    public static string GrpcStartSuccess(string address)
        => $"Serving: Serving gRPC server start success, listening on {address}";

    /// <summary>The line printed after the RESTful server bound: <c>Serving: Serving RESTful server start success, listening on &lt;a&gt;</c>.</summary>
    public static string RestfulStartSuccess(string address)
        => $"Serving: Serving RESTful server start success, listening on {address}";

    private static ListenAddress ParseHostPort(string address, string serverName)
    {
        var colon = address.LastIndexOf(':');
        if (colon < 0)
        {
            throw new ServerStartException($"Serving Error: The format of the {serverName} address '{address}' is illegal");
        }
        var host = address[..colon];
        var port = address[(colon + 1)..];
        if (host.Length == 0 || port.Length == 0)
        {
            throw new ServerStartException($"Serving Error: Missing ip or port of the {serverName} address '{address}'");
        }
        if (!port.All(char.IsAsciiDigit))
        {
            throw new ServerStartException($"Serving Error: The type of {serverName} address '{address}' port is not a number");
        }
        // All digits: anything too long to parse is out of range as well.
        var digits = port.TrimStart('0');
        if (digits.Length is 0 or > 5 || int.Parse(digits, CultureInfo.InvariantCulture) > 65535)
        {
            throw new ServerStartException($"Serving Error: The port of the {serverName} address '{address}' is out of legal range [1 ~ 65535]");
        }
        if (host.Length > 2 && host[0] == '[' && host[^1] == ']')
        {
            host = host[1..^1];
        }
        return ListenAddress.Parsed(address, host, int.Parse(digits, CultureInfo.InvariantCulture));
    }
}

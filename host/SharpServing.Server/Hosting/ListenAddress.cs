using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SharpServing.Server.Hosting;

/// <summary>
/// A parsed listen address: <c>&lt;host&gt;:&lt;port&gt;</c> or a unix domain socket path. Parsing checks only the
/// form (see <see cref="Addresses"/>); whether the host is an IP address and the socket's folder exists is found out
/// when binding (<see cref="TryCreateEndPoint"/>), which reports it as a bind failure, as MindSpore Serving does.
/// </summary>
public sealed record ListenAddress
{
    private ListenAddress(string text, string? host, int port, string? unixSocketPath)
    {
        Text = text;
        Host = host;
        Port = port;
        UnixSocketPath = unixSocketPath;
    }

    /// <summary>The address as the user wrote it (used in texts such as the startup line).</summary>
    public string Text { get; }

    /// <summary>The host part (brackets of an IPv6 literal removed); null for a unix socket.</summary>
    public string? Host { get; }

    /// <summary>The port; 0 (any free port) only through <see cref="Tcp"/>; 0 for a unix socket.</summary>
    public int Port { get; }

    /// <summary>The socket path as written (relative to the working directory, or absolute); null for TCP.</summary>
    public string? UnixSocketPath { get; }

    /// <summary>Whether this is a unix domain socket address.</summary>
    public bool IsUnixSocket => UnixSocketPath is not null;

    /// <summary>A TCP address on <paramref name="address"/>; port 0 binds any free port (for tests and tools).</summary>
    public static ListenAddress Tcp(IPAddress address, int port)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, IPEndPoint.MaxPort);
        var text = new IPEndPoint(address, port).ToString();
        return new ListenAddress(text, address.ToString(), port, null);
    }

    /// <summary>A unix domain socket at <paramref name="path"/>.</summary>
    public static ListenAddress Unix(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new ListenAddress("unix:" + path, null, 0, path);
    }

    internal static ListenAddress Parsed(string text, string host, int port) => new(text, host, port, null);

    internal static ListenAddress ParsedUnix(string text, string path) => new(text, null, 0, path);

    /// <summary>
    /// The endpoint to bind: an <see cref="IPEndPoint"/> (<c>localhost</c> is 127.0.0.1) or a
    /// <see cref="UnixDomainSocketEndPoint"/> with an absolute path. False when the host is not an IP address or the
    /// socket's folder does not exist. A stale socket file at the path is deleted so that binding can replace it.
    /// </summary>
    public bool TryCreateEndPoint(out EndPoint? endPoint)
    {
        endPoint = null;
        if (UnixSocketPath is { } path)
        {
            var full = Path.GetFullPath(path);
            var folder = Path.GetDirectoryName(full);
            if (folder is null || !Directory.Exists(folder) || Directory.Exists(full))
            {
                return false;
            }
            if (File.Exists(full) && !TryRemoveStaleSocket(full))
            {
                return false;
            }
            endPoint = new UnixDomainSocketEndPoint(full);
            return true;
        }
        if (string.Equals(Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            endPoint = new IPEndPoint(IPAddress.Loopback, Port);
            return true;
        }
        if (Host is null || !IPAddress.TryParse(Host, out var ip) || !IsPlainIPLiteral(Host, ip))
        {
            return false;
        }
        endPoint = new IPEndPoint(ip, Port);
        return true;
    }

    /// <inheritdoc />
    public override string ToString() => Text;

    // IPAddress.TryParse also takes shorthands such as "127.1" or "10": MindSpore Serving binds dotted quads and IPv6 only.
    private static bool IsPlainIPLiteral(string host, IPAddress ip)
        => ip.AddressFamily == AddressFamily.InterNetworkV6
            ? !host.Contains('%', StringComparison.Ordinal) || ip.ScopeId != 0
            : host.Split('.').Length == 4 && host.Split('.').All(p => p.Length is > 0 and <= 3 && p.All(char.IsAsciiDigit)
                && int.Parse(p, CultureInfo.InvariantCulture) <= 255);

    // A socket file left by a server that is gone is replaced; a live server's socket, or any other file, is not.
    private static bool TryRemoveStaleSocket(string path)
    {
        if (!IsSocketFile(path))
        {
            return false;
        }
        using (var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            try
            {
                probe.Connect(new UnixDomainSocketEndPoint(path));
                return false;
            }
            catch (SocketException)
            {
                // Nobody listens: stale.
            }
        }
        File.Delete(path);
        return true;
    }

    // Opening a socket file as a file fails (ENXIO); a regular file opens.
    private static bool IsSocketFile(string path)
    {
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
            return false;
        }
        catch (IOException)
        {
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}

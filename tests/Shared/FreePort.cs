using System.Net;
using System.Net.Sockets;

namespace SharpServing.Tests.Shared;

/// <summary>
/// A loopback port free right now, for a server that binds it later: a child process (whose addresses must name a port:
/// 0 is out of range there) or a listener the code under test opens. Taken below the kernel's ephemeral range: a port
/// the kernel hands out for port 0 comes from the range outgoing connections take their source ports from, so any
/// client's connection could take it in the seconds before the server binds it; a random port below the range is taken
/// only by another test that picked the same one.
/// </summary>
internal static class FreePort
{
    private const int Lowest = 10000;

    public static int Next()
    {
        var below = EphemeralStart();
        for (var attempt = 0; attempt < 200 && below > Lowest; attempt++)
        {
            var port = Random.Shared.Next(Lowest, below);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // In use: try another.
            }
        }
        using var any = new TcpListener(IPAddress.Loopback, 0);
        any.Start();
        return ((IPEndPoint)any.LocalEndpoint).Port;
    }

    /// <summary>The first port of the kernel's ephemeral range (Linux's default when it cannot be read).</summary>
    private static int EphemeralStart()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return range.Length > 0 && int.TryParse(range[0], out var start) ? start : 32768;
        }
        catch (IOException)
        {
            return 32768;
        }
        catch (UnauthorizedAccessException)
        {
            return 32768;
        }
    }
}

using System.Net;
using System.Net.Sockets;

namespace SharpServing.EndToEnd.Tests.Infrastructure;

/// <summary>A loopback port free right now (the server's addresses must name a port: 0 is out of range).</summary>
internal static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using SharpServing.Engine.Configuration;
using SharpServing.Server.Hosting;
using SharpServing.Server.Tests.Reload;

namespace SharpServing.Server.Tests.Limits;

/// <summary>What the gRPC listener advertises in its HTTP/2 SETTINGS frame, read off the wire with a raw HTTP/2 client.</summary>
public sealed class Http2SettingsTests : IDisposable
{
    private const ushort MaxConcurrentStreams = 0x3;
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private readonly ReloadRepository _repository = new();

    public Http2SettingsTests()
    {
        _repository.WriteScript("add", edit: 0);
        _repository.AddVersion("add", 1);
    }

    public void Dispose() => _repository.Dispose();

    [Theory]
    [InlineData(null, 100u)]   // Kestrel's default
    [InlineData(7, 7u)]
    [InlineData(250, 250u)]
    public async Task The_gRPC_listener_advertises_the_configured_concurrent_stream_limit(int? configured, uint advertised)
    {
        var configuration = new ServingConfiguration { ServablesRoot = _repository.Root };
        if (configured is { } streams)
        {
            configuration.Limits.Http2MaxStreams = streams;
        }
        await using var server = await ReloadServer.StartAsync(configuration);
        await server.Server.StartGrpcServerAsync(ListenAddress.Tcp(IPAddress.Loopback, 0), 100, CancellationToken.None).WaitAsync(s_timeout);

        var settings = await ReadServerSettingsAsync((IPEndPoint)server.Server.Grpc!.EndPoint);

        Assert.True(settings.TryGetValue(MaxConcurrentStreams, out var value), "the SETTINGS frame has no SETTINGS_MAX_CONCURRENT_STREAMS");
        Assert.Equal(advertised, value);
    }

    /// <summary>
    /// Opens a cleartext HTTP/2 connection (prior knowledge: the client preface and an empty SETTINGS frame) and returns
    /// the parameters of the server's first SETTINGS frame (RFC 9113 section 6.5).
    /// </summary>
    private static async Task<Dictionary<ushort, uint>> ReadServerSettingsAsync(IPEndPoint endPoint)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(endPoint).WaitAsync(s_timeout);
        var stream = client.GetStream();
        byte[] preface = [.. "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8, 0, 0, 0, 0x4, 0, 0, 0, 0, 0];
        await stream.WriteAsync(preface).AsTask().WaitAsync(s_timeout);
        var header = new byte[9];
        while (true)
        {
            await stream.ReadExactlyAsync(header).AsTask().WaitAsync(s_timeout);
            var length = (header[0] << 16) | (header[1] << 8) | header[2];
            var type = header[3];
            var flags = header[4];
            var payload = new byte[length];
            await stream.ReadExactlyAsync(payload).AsTask().WaitAsync(s_timeout);
            if (type != 0x4 || (flags & 0x1) != 0)
            {
                continue; // not SETTINGS, or the acknowledgement of ours
            }
            Assert.Equal(0, length % 6);
            var settings = new Dictionary<ushort, uint>();
            for (var at = 0; at < length; at += 6)
            {
                settings[BinaryPrimitives.ReadUInt16BigEndian(payload.AsSpan(at))] = BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(at + 2));
            }
            return settings;
        }
    }
}

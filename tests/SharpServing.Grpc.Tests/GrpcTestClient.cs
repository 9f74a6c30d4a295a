using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;

namespace SharpServing.Grpc.Tests;

/// <summary>A minimal gRPC client over .NET's HttpClient (HTTP/2 only), reading status from trailers or trailers-only headers.</summary>
internal sealed class GrpcTestClient : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly HttpClient _client;

    public GrpcTestClient(Uri address, bool multipleConnections = false)
    {
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = multipleConnections };
        _client = new HttpClient(handler) { BaseAddress = address, Timeout = System.Threading.Timeout.InfiniteTimeSpan };
    }

    public static byte[] Frame(IMessage message, bool gzip = false)
    {
        var payload = message.ToByteArray();
        if (gzip)
        {
            using var output = new MemoryStream();
            using (var z = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
            {
                z.Write(payload);
            }
            payload = output.ToArray();
        }
        var framed = new byte[payload.Length + 5];
        framed[0] = gzip ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(framed.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(framed, 5);
        return framed;
    }

    public static HttpRequestMessage CreateRequest(string method, byte[] body, string contentType = "application/grpc")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, method)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.TryAddWithoutValidation("te", "trailers");
        return request;
    }

    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken = default)
        => _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).WaitAsync(Timeout, CancellationToken.None);

    public async Task<GrpcResult<TReply>> CallAsync<TReply>(
        string method, IMessage request, MessageParser<TReply> parser, Action<HttpRequestMessage>? configure = null, bool gzip = false)
        where TReply : IMessage<TReply>
    {
        using var message = CreateRequest(method, Frame(request, gzip));
        configure?.Invoke(message);
        using var response = await SendAsync(message);
        return await ReadAsync(response, parser);
    }

    public static async Task<GrpcResult<TReply>> ReadAsync<TReply>(HttpResponseMessage response, MessageParser<TReply> parser)
        where TReply : IMessage<TReply>
    {
        var body = await response.Content.ReadAsByteArrayAsync().WaitAsync(Timeout);
        var messages = new List<TReply>();
        var offset = 0;
        while (offset < body.Length)
        {
            Assert.Equal(0, body[offset]);
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(offset + 1));
            messages.Add(parser.ParseFrom(body, offset + 5, length));
            offset += 5 + length;
        }
        var trailersOnly = response.Headers.Contains("grpc-status");
        var source = trailersOnly ? response.Headers : response.TrailingHeaders;
        var status = source.TryGetValues("grpc-status", out var s) ? int.Parse(s.Single()) : -1;
        var detail = source.TryGetValues("grpc-message", out var m) ? Uri.UnescapeDataString(m.Single()) : null;
        return new GrpcResult<TReply>(response, (GrpcStatusCode)status, detail, messages, trailersOnly);
    }

    public void Dispose() => _client.Dispose();
}

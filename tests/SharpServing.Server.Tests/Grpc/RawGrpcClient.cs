using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Grpc.Core;

namespace SharpServing.Server.Tests.Grpc;

/// <summary>
/// gRPC by hand over .NET's HttpClient (HTTP/2 only): sends any bytes as a request body, so that malformed frames and
/// messages reach the server, and reads the status from trailers or from trailers-only headers.
/// </summary>
internal sealed class RawGrpcClient : IDisposable
{
    public const string PredictPath = "/mindspore.serving.proto.MSService/Predict";
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly HttpClient _client;

    public RawGrpcClient(EndPoint endPoint, bool multipleConnections = false)
    {
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = multipleConnections };
        _client = new HttpClient(handler) { BaseAddress = new Uri($"http://{endPoint}"), Timeout = System.Threading.Timeout.InfiniteTimeSpan };
    }

    /// <summary>A gRPC frame: flag, 4-byte big-endian length, the message (gzip-compressed when asked).</summary>
    public static byte[] Frame(ReadOnlySpan<byte> message, bool gzip = false)
    {
        var payload = message.ToArray();
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

    public static byte[] Frame(IMessage message, bool gzip = false) => Frame(message.ToByteArray(), gzip);

    public static HttpRequestMessage CreateRequest(string path, byte[] body, string contentType = "application/grpc")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
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

    /// <summary>Sends <paramref name="body"/> (already framed) to <paramref name="path"/> and reads the whole answer.</summary>
    public async Task<RawGrpcResult> CallAsync(byte[] body, string path = PredictPath, Action<HttpRequestMessage>? configure = null,
        CancellationToken cancellationToken = default)
    {
        using var request = CreateRequest(path, body);
        configure?.Invoke(request);
        using var response = await SendAsync(request, cancellationToken);
        return await ReadAsync(response, cancellationToken);
    }

    public static async Task<RawGrpcResult> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken = default)
    {
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).WaitAsync(Timeout, CancellationToken.None);
        var messages = new List<byte[]>();
        var offset = 0;
        while (offset + 5 <= body.Length)
        {
            Assert.Equal(0, body[offset]);
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(offset + 1));
            messages.Add(body.AsSpan(offset + 5, length).ToArray());
            offset += 5 + length;
        }
        Assert.Equal(body.Length, offset);
        var trailersOnly = response.Headers.Contains("grpc-status");
        var source = trailersOnly ? response.Headers : response.TrailingHeaders;
        var status = source.TryGetValues("grpc-status", out var s) ? int.Parse(s.Single()) : -1;
        var detail = source.TryGetValues("grpc-message", out var m) ? Uri.UnescapeDataString(m.Single()) : null;
        return new RawGrpcResult(response.StatusCode, (StatusCode)status, detail, messages, trailersOnly);
    }

    public void Dispose() => _client.Dispose();
}

/// <summary>What came back: HTTP status, gRPC status and message, the reply messages, whether it was trailers-only.</summary>
internal sealed record RawGrpcResult(HttpStatusCode HttpStatus, StatusCode Status, string? Detail, IReadOnlyList<byte[]> Messages, bool TrailersOnly)
{
    public Protocol.PredictReply Reply() => Protocol.PredictReply.Parser.ParseFrom(Assert.Single(Messages));
}

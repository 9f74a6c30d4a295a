using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Google.Protobuf;

namespace SharpServing.Internal;

/// <summary>
/// Unary gRPC calls over one HTTP/2 connection: length-prefixed messages, <c>grpc-timeout</c>, status from the trailers
/// (or the headers of a trailers-only reply), and every transport failure as a <see cref="ServingRpcException"/> with
/// the status a gRPC client would report. This is the one place that maps failures to statuses.
/// </summary>
internal sealed class GrpcChannel : IDisposable
{
    /// <summary>The send and receive limit of the MindSpore Serving client: 512 MiB.</summary>
    public const int MaxMessageSize = 512 * 1024 * 1024;

    private const int HeaderSize = 5;
    private readonly ServerAddress _address;
    private readonly bool _tls;
    private readonly HttpMessageInvoker _invoker;

    public GrpcChannel(ServerAddress address, SslConfig? ssl)
    {
        _address = address;
        _tls = ssl is not null;
        _invoker = new HttpMessageInvoker(HandlerFactory.Create(address, ssl), disposeHandler: true);
    }

    /// <summary>Serializes <paramref name="message"/> behind its 5-byte prefix; over the send limit → RESOURCE_EXHAUSTED.</summary>
    public static byte[] Frame(IMessage message)
    {
        var size = message.CalculateSize();
        if (size > MaxMessageSize)
        {
            throw new ServingRpcException(GrpcStatusCode.ResourceExhausted,
                string.Create(CultureInfo.InvariantCulture, $"Sent message larger than max ({size} vs. {MaxMessageSize})"));
        }
        var frame = new byte[HeaderSize + size];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)size);
        message.WriteTo(frame.AsSpan(HeaderSize));
        return frame;
    }

    /// <summary>
    /// Calls <paramref name="methodPath"/> with one framed request and returns the reply message's bytes.
    /// <see cref="Timeout.InfiniteTimeSpan"/> = no deadline.
    /// </summary>
    /// <exception cref="ServingRpcException">The call ended with a non-OK status.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<byte[]> UnaryCallAsync(string methodPath, byte[] frame, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_address.Problem is { } problem)
        {
            throw new ServingRpcException(GrpcStatusCode.Unavailable, problem);
        }
        cancellationToken.ThrowIfCancellationRequested();
        var hasDeadline = timeout != Timeout.InfiniteTimeSpan;
        using var deadline = hasDeadline ? new CancellationTokenSource(timeout) : null;
        using var linked = hasDeadline ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline!.Token) : null;
        try
        {
            return await CallAsync(methodPath, frame, hasDeadline ? timeout : null, linked?.Token ?? cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline is { IsCancellationRequested: true } && !cancellationToken.IsCancellationRequested)
        {
            throw new ServingRpcException(GrpcStatusCode.DeadlineExceeded, "Deadline Exceeded");
        }
    }

    public void Dispose() => _invoker.Dispose();

    private async Task<byte[]> CallAsync(string methodPath, byte[] frame, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _address.MethodUri(_tls, methodPath))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new FrameContent(frame),
        };
        request.Headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        request.Headers.TryAddWithoutValidation("user-agent", "grpc-sharpserving/0.1");
        if (timeout is { } t)
        {
            request.Headers.TryAddWithoutValidation("grpc-timeout", Protocol.GrpcTimeout.Format(t));
        }

        HttpResponseMessage response;
        try
        {
            response = await _invoker.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw StartFailure(e);
        }
        catch (Exception e) when (e is HttpRequestException or IOException && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        using (response)
        {
            CheckResponseHeaders(response);
            byte[]? message;
            try
            {
                message = await ReadSingleMessageAsync(response, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                cancellationToken.ThrowIfCancellationRequested();
                throw ReadFailure(e);
            }
            var (code, detail) = ReadStatus(response.TrailingHeaders)
                ?? throw new ServingRpcException(GrpcStatusCode.Internal, "the reply has no grpc-status trailer");
            if (code != GrpcStatusCode.OK)
            {
                throw new ServingRpcException(code, detail);
            }
            return message ?? throw new ServingRpcException(GrpcStatusCode.Internal, "the server completed the call without a reply message");
        }
    }

    /// <summary>HTTP status, trailers-only replies (status in the headers), content type.</summary>
    private static void CheckResponseHeaders(HttpResponseMessage response)
    {
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new ServingRpcException(FromHttpStatus(response.StatusCode),
                string.Create(CultureInfo.InvariantCulture, $"Received http2 header with status: {(int)response.StatusCode}"));
        }
        if (ReadStatus(response.Headers) is var (code, detail))
        {
            throw code == GrpcStatusCode.OK
                ? new ServingRpcException(GrpcStatusCode.Internal, "the server completed the call without a reply message")
                : new ServingRpcException(code, detail);
        }
        var contentType = response.Content.Headers.ContentType?.MediaType;
        if (contentType is null || !contentType.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase))
        {
            throw new ServingRpcException(GrpcStatusCode.Internal, $"Bad gRPC response. Invalid content-type value: {contentType}");
        }
    }

    private static async Task<byte[]?> ReadSingleMessageAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var header = new byte[HeaderSize];
            var read = await stream.ReadAtLeastAsync(header, HeaderSize, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return null;
            }
            if (read < HeaderSize)
            {
                throw new ServingRpcException(GrpcStatusCode.Internal, "the reply ended inside a message header");
            }
            if (header[0] != 0)
            {
                // No grpc-accept-encoding is sent, so a compressed reply is a server fault.
                throw new ServingRpcException(GrpcStatusCode.Internal, "the reply message is compressed, but no compression was accepted");
            }
            var length = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(1));
            if (length > MaxMessageSize)
            {
                throw new ServingRpcException(GrpcStatusCode.ResourceExhausted,
                    string.Create(CultureInfo.InvariantCulture, $"Received message larger than max ({length} vs. {MaxMessageSize})"));
            }
            var message = new byte[length];
            if (await stream.ReadAtLeastAsync(message, message.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false) < message.Length)
            {
                throw new ServingRpcException(GrpcStatusCode.Internal, "the reply ended inside a message");
            }
            // Read to the end: that is what fills the trailers.
            if (await stream.ReadAsync(header.AsMemory(0, 1), cancellationToken).ConfigureAwait(false) != 0)
            {
                throw new ServingRpcException(GrpcStatusCode.Internal, "the reply holds more than one message for a unary call");
            }
            return message;
        }
    }

    private static (GrpcStatusCode Code, string Detail)? ReadStatus(HttpHeaders headers)
    {
        if (!headers.TryGetValues("grpc-status", out var statusValues))
        {
            return null;
        }
        var text = statusValues.FirstOrDefault();
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var code))
        {
            return (GrpcStatusCode.Unknown, $"invalid grpc-status '{text}'");
        }
        var detail = headers.TryGetValues("grpc-message", out var messageValues) ? PercentDecode(messageValues.FirstOrDefault()) : string.Empty;
        return ((GrpcStatusCode)code, detail);
    }

    /// <summary>grpc-message is percent-encoded UTF-8; a malformed escape is kept as it is.</summary>
    internal static string PercentDecode(string? value)
    {
        if (string.IsNullOrEmpty(value) || !value.Contains('%', StringComparison.Ordinal))
        {
            return value ?? string.Empty;
        }
        var bytes = new List<byte>(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '%' && i + 2 < value.Length
                && byte.TryParse(value.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
            {
                bytes.Add(b);
                i += 2;
            }
            else if (value[i] < 0x80)
            {
                bytes.Add((byte)value[i]);
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(value[i].ToString()));
            }
        }
        return Encoding.UTF8.GetString([.. bytes]);
    }

    /// <summary>The gRPC spec's mapping of HTTP statuses that a non-gRPC intermediary might return.</summary>
    private static GrpcStatusCode FromHttpStatus(HttpStatusCode status) => status switch
    {
        HttpStatusCode.BadRequest => GrpcStatusCode.Internal,
        HttpStatusCode.Unauthorized => GrpcStatusCode.Unauthenticated,
        HttpStatusCode.Forbidden => GrpcStatusCode.PermissionDenied,
        HttpStatusCode.NotFound => GrpcStatusCode.Unimplemented,
        HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable
            or HttpStatusCode.GatewayTimeout => GrpcStatusCode.Unavailable,
        _ => GrpcStatusCode.Unknown,
    };

    /// <summary>A failure before the reply's headers: the server cannot be reached (UNAVAILABLE) unless it reset the stream.</summary>
    private static ServingRpcException StartFailure(HttpRequestException e)
    {
        if (ResetCode(e) is { } reset)
        {
            return FromReset(reset, e);
        }
        var connecting = e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError
            or HttpRequestError.SecureConnectionError;
        var detail = connecting ? $"failed to connect to all addresses; last error: {Describe(e)}" : Describe(e);
        return new ServingRpcException(GrpcStatusCode.Unavailable, detail, e);
    }

    /// <summary>A failure while reading the reply: a stream reset keeps its meaning; a lost connection is UNAVAILABLE.</summary>
    private static ServingRpcException ReadFailure(Exception e)
        => ResetCode(e) is { } reset ? FromReset(reset, e) : new ServingRpcException(GrpcStatusCode.Unavailable, Describe(e), e);

    private static ServingRpcException FromReset(long http2ErrorCode, Exception e)
    {
        var code = http2ErrorCode switch
        {
            0x7 => GrpcStatusCode.Unavailable,        // REFUSED_STREAM
            0x8 => GrpcStatusCode.Cancelled,          // CANCEL
            0xB => GrpcStatusCode.ResourceExhausted,  // ENHANCE_YOUR_CALM
            0xC => GrpcStatusCode.PermissionDenied,   // INADEQUATE_SECURITY
            _ => GrpcStatusCode.Internal,
        };
        return new ServingRpcException(code, Describe(e), e);
    }

    private static long? ResetCode(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is HttpProtocolException protocol)
            {
                return protocol.ErrorCode;
            }
        }
        return null;
    }

    /// <summary>
    /// The messages of the exception chain, most specific kept: a message repeated inside another, or one that only says
    /// "see inner exception", is left out (<c>Connection refused (127.0.0.1:5500)</c>, not three variants of it).
    /// </summary>
    private static string Describe(Exception e)
    {
        var messages = new List<string>();
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            messages.Add(inner.Message);
        }
        var kept = messages
            .Where((m, i) => !m.Contains("see inner exception", StringComparison.OrdinalIgnoreCase)
                && !messages.Where((other, j) => j != i && other.Contains(m, StringComparison.Ordinal) && (other.Length > m.Length || j < i)).Any())
            .ToList();
        return kept.Count == 0 ? e.Message : string.Join("; ", kept);
    }
}

using System.Buffers.Binary;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace SharpServing.Grpc.Internal;

/// <summary>
/// One call's response state: whether a message was written (trailers vs. trailers-only), whether the call has been
/// completed, and the token that ends it (client abort or deadline). Writes and completion are serialized by one lock,
/// so a deadline can end the call while a handler still runs.
/// </summary>
internal sealed class GrpcCall : IDisposable
{
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource? _deadlineCts;
    private readonly CancellationTokenSource _callCts;
    private readonly GrpcOptions _options;
    private readonly string _replyContentType;
    private readonly ILogger _logger;
    private bool _messageWritten;
    private bool _completed;

    public GrpcCall(HttpContext httpContext, string method, GrpcOptions options, string replyContentType, bool gzip, TimeSpan? timeout, ILogger logger)
    {
        HttpContext = httpContext;
        Method = method;
        _options = options;
        _replyContentType = replyContentType;
        _logger = logger;
        IsGzip = gzip;
        if (timeout is { } t)
        {
            Deadline = options.TimeProvider.GetUtcNow() + t;
            _deadlineCts = new CancellationTokenSource(t, options.TimeProvider);
            _callCts = CancellationTokenSource.CreateLinkedTokenSource(httpContext.RequestAborted, _deadlineCts.Token);
        }
        else
        {
            _callCts = CancellationTokenSource.CreateLinkedTokenSource(httpContext.RequestAborted);
        }
        Context = new GrpcCallContext(this);
    }

    public HttpContext HttpContext { get; }

    public string Method { get; }

    public bool IsGzip { get; }

    public DateTimeOffset? Deadline { get; }

    public GrpcCallContext Context { get; }

    public GrpcOptions Options => _options;

    public CancellationToken CancellationToken => _callCts.Token;

    /// <summary>Cancelled when the deadline passes (never, without a deadline).</summary>
    public CancellationToken DeadlineToken => _deadlineCts?.Token ?? CancellationToken.None;

    private bool ClientGone => HttpContext.RequestAborted.IsCancellationRequested;

    public ValueTask<T> ReadSingleMessageAsync<T>(MessageParser<T> parser)
        where T : IMessage<T>
        => MessageReader.ReadSingleAsync(HttpContext.Request.BodyReader, parser, _options.MaxReceiveMessageSize, IsGzip, CancellationToken);

    public async Task WriteMessageAsync(IMessage message, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(CancellationToken, cancellationToken);
        await _writeLock.WaitAsync(linked.Token);
        try
        {
            if (_completed)
            {
                throw new OperationCanceledException("The call has already completed.");
            }
            var size = message.CalculateSize();
            if (size > _options.MaxSendMessageSize)
            {
                throw new GrpcStatusException(
                    StatusCode.ResourceExhausted, $"Sent message larger than max ({size} vs. {_options.MaxSendMessageSize})");
            }
            if (!_messageWritten)
            {
                SetReplyHeaders();
            }
            var writer = HttpContext.Response.BodyWriter;
            var header = writer.GetSpan(GrpcProtocol.HeaderSize);
            header[0] = 0;
            BinaryPrimitives.WriteUInt32BigEndian(header[1..], (uint)size);
            writer.Advance(GrpcProtocol.HeaderSize);
            // Writes through the pipe's pooled segments: no contiguous buffer of the message's size.
            message.WriteTo(writer);
            _messageWritten = true;
            await writer.FlushAsync(linked.Token);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Ends the call with a status, unless it has ended already or the client is gone (then nothing is sent).</summary>
    public async Task CompleteAsync(StatusCode status, string? message, bool completeResponse)
    {
        await _writeLock.WaitAsync(CancellationToken.None);
        try
        {
            if (_completed)
            {
                return;
            }
            _completed = true;
            if (ClientGone)
            {
                return;
            }
            var response = HttpContext.Response;
            if (!_messageWritten && !response.HasStarted)
            {
                // Trailers-only: the status travels in the only HEADERS frame, with END_STREAM.
                SetReplyHeaders();
                response.Headers[GrpcProtocol.StatusHeader] = ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (!string.IsNullOrEmpty(message))
                {
                    response.Headers[GrpcProtocol.MessageHeader] = PercentEncoding.Encode(message);
                }
            }
            else
            {
                response.AppendTrailer(GrpcProtocol.StatusHeader, ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture));
                if (!string.IsNullOrEmpty(message))
                {
                    response.AppendTrailer(GrpcProtocol.MessageHeader, PercentEncoding.Encode(message));
                }
            }
            if (completeResponse)
            {
                await response.CompleteAsync();
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>The one place that turns a handler's exception into a status.</summary>
    public Task FailAsync(Exception exception)
    {
        if (ClientGone)
        {
            GrpcLog.ClientGone(_logger, Method);
            return Task.CompletedTask;
        }
        switch (exception)
        {
            case GrpcStatusException status:
                GrpcLog.CallFailed(_logger, Method, status.StatusCode, status.Message);
                return CompleteAsync(status.StatusCode, status.Message, completeResponse: false);
            case OperationCanceledException when DeadlineToken.IsCancellationRequested:
                GrpcLog.DeadlineExceeded(_logger, Method);
                return CompleteAsync(StatusCode.DeadlineExceeded, "Deadline Exceeded", completeResponse: false);
            case OperationCanceledException:
                GrpcLog.CallFailed(_logger, Method, StatusCode.Cancelled, exception.Message);
                return CompleteAsync(StatusCode.Cancelled, "Call cancelled", completeResponse: false);
            default:
                GrpcLog.HandlerFailed(_logger, Method, exception);
                return CompleteAsync(StatusCode.Unknown, "Exception was thrown by handler.", completeResponse: false);
        }
    }

    public void Dispose()
    {
        _callCts.Dispose();
        _deadlineCts?.Dispose();
        _writeLock.Dispose();
    }

    private void SetReplyHeaders()
    {
        var response = HttpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = _replyContentType;
        response.Headers[GrpcProtocol.AcceptEncodingHeader] = GrpcProtocol.AcceptedEncodings;
    }
}

using System.Buffers.Binary;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace SharpServing.Grpc.Internal;

/// <summary>
/// One call's response state: whether a message was written (trailers vs. trailers-only), whether the call has been
/// completed, and the token that ends it (client abort or deadline). With a deadline, writes and completion are
/// serialized by one lock, so that the deadline can end the call while a handler still runs; without one, the handler
/// is the only writer and there is no lock.
/// </summary>
internal sealed class GrpcCall : IDisposable
{
    /// <summary>A unary reply up to this size stays in the response pipe until the call ends (one write with the trailers);
    /// a larger one is flushed, so that the pipe's backpressure bounds what is buffered.</summary>
    internal const int UnflushedReplyLimit = 64 * 1024;

    private readonly SemaphoreSlim? _writeLock;
    private readonly CancellationTokenSource? _deadlineCts;
    private readonly CancellationTokenSource? _callCts;
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
            CancellationToken = _callCts.Token;
            _writeLock = new SemaphoreSlim(1, 1);
        }
        else
        {
            // No deadline: the request's own token is the call's (client gone, or the server aborting it at stop).
            CancellationToken = httpContext.RequestAborted;
        }
        Context = new GrpcCallContext(this);
    }

    public HttpContext HttpContext { get; }

    public string Method { get; }

    public bool IsGzip { get; }

    public DateTimeOffset? Deadline { get; }

    public GrpcCallContext Context { get; }

    public GrpcOptions Options => _options;

    public CancellationToken CancellationToken { get; }

    /// <summary>Cancelled when the deadline passes (never, without a deadline).</summary>
    public CancellationToken DeadlineToken => _deadlineCts?.Token ?? CancellationToken.None;

    private bool ClientGone => HttpContext.RequestAborted.IsCancellationRequested;

    /// <summary>Parses the request now when it has fully arrived; false when it must be read with <see cref="ReadSingleMessageAsync"/>.</summary>
    public bool TryReadSingleMessage<T>(GrpcMarshaller<T> marshaller, out T message)
        => MessageReader.TryReadSingle(HttpContext.Request.BodyReader, marshaller, _options.MaxReceiveMessageSize, IsGzip, out message);

    public ValueTask<T> ReadSingleMessageAsync<T>(GrpcMarshaller<T> marshaller)
        => MessageReader.ReadSingleAsync(HttpContext.Request.BodyReader, marshaller, _options.MaxReceiveMessageSize, IsGzip, CancellationToken);

    /// <summary>
    /// The end of a successful unary call: the reply and the OK status, written without waiting when nothing else holds
    /// the call (no flush for a small reply: Kestrel sends it with the trailers). Completes synchronously then.
    /// </summary>
    public Task CompleteUnaryAsync<T>(T reply, GrpcMarshaller<T> marshaller)
    {
        CancellationToken.ThrowIfCancellationRequested();
        var size = CheckSize(marshaller.CalculateSize(reply));
        if (size > UnflushedReplyLimit || (_writeLock is not null && !_writeLock.Wait(0)))
        {
            return WriteAndCompleteAsync(reply, marshaller);
        }
        try
        {
            if (_completed)
            {
                return Task.CompletedTask;
            }
            WriteFrame(reply, marshaller, size);
            SetStatus(GrpcStatusCode.OK, null);
            return Task.CompletedTask;
        }
        finally
        {
            _writeLock?.Release();
        }
    }

    private async Task WriteAndCompleteAsync<T>(T reply, GrpcMarshaller<T> marshaller)
    {
        await WriteMessageAsync(reply, marshaller, CancellationToken.None);
        await CompleteAsync(GrpcStatusCode.OK, null, completeResponse: false);
    }

    public async Task WriteMessageAsync<T>(T message, GrpcMarshaller<T> marshaller, CancellationToken cancellationToken)
    {
        // Linked only when the caller brings a token of its own.
        using var linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(CancellationToken, cancellationToken) : null;
        var token = linked?.Token ?? CancellationToken;
        await EnterAsync(token);
        try
        {
            token.ThrowIfCancellationRequested();
            if (_completed)
            {
                throw new OperationCanceledException("The call has already completed.");
            }
            WriteFrame(message, marshaller, CheckSize(marshaller.CalculateSize(message)));
            await HttpContext.Response.BodyWriter.FlushAsync(token);
        }
        finally
        {
            _writeLock?.Release();
        }
    }

    /// <summary>Ends the call with a status, unless it has ended already or the client is gone (then nothing is sent).</summary>
    public async Task CompleteAsync(GrpcStatusCode status, string? message, bool completeResponse)
    {
        await EnterAsync(CancellationToken.None);
        try
        {
            if (_completed || ClientGone)
            {
                _completed = true;
                return;
            }
            SetStatus(status, message);
            if (completeResponse)
            {
                await HttpContext.Response.CompleteAsync();
            }
        }
        finally
        {
            _writeLock?.Release();
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
                return CompleteAsync(GrpcStatusCode.DeadlineExceeded, "Deadline Exceeded", completeResponse: false);
            case OperationCanceledException:
                GrpcLog.CallFailed(_logger, Method, GrpcStatusCode.Cancelled, exception.Message);
                return CompleteAsync(GrpcStatusCode.Cancelled, "Call cancelled", completeResponse: false);
            default:
                GrpcLog.HandlerFailed(_logger, Method, exception);
                return CompleteAsync(GrpcStatusCode.Unknown, "Exception was thrown by handler.", completeResponse: false);
        }
    }

    public void Dispose()
    {
        _callCts?.Dispose();
        _deadlineCts?.Dispose();
        _writeLock?.Dispose();
    }

    private Task EnterAsync(CancellationToken cancellationToken) => _writeLock?.WaitAsync(cancellationToken) ?? Task.CompletedTask;

    private int CheckSize(int size)
    {
        if (size > _options.MaxSendMessageSize)
        {
            throw new GrpcStatusException(
                GrpcStatusCode.ResourceExhausted, $"Sent message larger than max ({size} vs. {_options.MaxSendMessageSize})");
        }
        return size;
    }

    /// <summary>Writes the length prefix and the message into the response pipe's pooled segments. Under the lock.</summary>
    private void WriteFrame<T>(T message, GrpcMarshaller<T> marshaller, int size)
    {
        if (!_messageWritten)
        {
            SetReplyHeaders();
        }
        var writer = HttpContext.Response.BodyWriter;
        var header = writer.GetSpan(GrpcProtocol.HeaderSize);
        header[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(header[1..], (uint)size);
        writer.Advance(GrpcProtocol.HeaderSize);
        marshaller.Write(message, writer);
        _messageWritten = true;
    }

    /// <summary>Sets the status: in the headers (trailers-only) before any message, else as trailers. Under the lock.</summary>
    private void SetStatus(GrpcStatusCode status, string? message)
    {
        _completed = true;
        var response = HttpContext.Response;
        IHeaderDictionary target;
        if (!_messageWritten && !response.HasStarted)
        {
            // Trailers-only: the status travels in the only HEADERS frame, with END_STREAM.
            SetReplyHeaders();
            target = response.Headers;
        }
        else
        {
            target = HttpContext.Features.Get<IHttpResponseTrailersFeature>()?.Trailers
                ?? throw new InvalidOperationException("The response does not support trailers.");
        }
        // Typed properties of Kestrel's known headers: no dictionary, and the values come from a table.
        target.GrpcStatus = GrpcProtocol.StatusValue(status);
        if (!string.IsNullOrEmpty(message))
        {
            target.GrpcMessage = PercentEncoding.Encode(message);
        }
    }

    private void SetReplyHeaders()
    {
        var response = HttpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.Headers.ContentType = ReferenceEquals(_replyContentType, GrpcProtocol.ContentType)
            ? GrpcProtocol.ContentTypeValue
            : GrpcProtocol.ContentTypeProtoValue;
        response.Headers.GrpcAcceptEncoding = GrpcProtocol.AcceptedEncodingsValue;
    }
}

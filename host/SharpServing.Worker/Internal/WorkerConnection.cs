using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Channels;
using Google.Protobuf;
using SharpServing.Worker.Protocol;

namespace SharpServing.Worker.Internal;

/// <summary>
/// The server's end of the one connection to a worker: any number of calls at once, each with its request id. Requests
/// queue for one writer loop, which writes all that are waiting and flushes once (one <c>sendmsg</c> for a burst); one
/// reader loop parses replies and completes their calls. When the connection ends (the worker exited) or the worker
/// breaks the protocol, every call in flight fails at once with a <see cref="WorkerProtocolException"/>.
/// </summary>
internal sealed class WorkerConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly PipeReader _reader;
    private readonly PipeWriter _writer;
    private readonly Channel<Outgoing> _outgoing = Channel.CreateUnbounded<Outgoing>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<uint, Call> _calls = new();
    private readonly Task _reading;
    private readonly Task _writing;
    private readonly Action<string> _broken;
    private uint _nextId;
    private volatile string? _closed;

    private WorkerConnection(Socket socket, Action<string> broken)
    {
        _socket = socket;
        _broken = broken;
        (_reader, _writer) = WorkerFrames.OpenPipes(socket);
        _reading = Task.Run(ReadLoopAsync, CancellationToken.None);
        _writing = Task.Run(WriteLoopAsync, CancellationToken.None);
    }

    /// <summary>Connects to the worker's unix socket; <paramref name="broken"/> hears (once) when the worker breaks the
    /// protocol, and should kill it.</summary>
    public static async Task<WorkerConnection> ConnectAsync(string path, Action<string> broken, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken);
            return new WorkerConnection(socket, broken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <exception cref="WorkerProtocolException">The connection ended or the worker broke the protocol.</exception>
    public async Task<DescribeReply> DescribeAsync(CancellationToken cancellationToken)
        => (DescribeReply)await CallAsync(FrameKind.Describe, null, FrameKind.DescribeReply, DescribeReply.Parser, cancellationToken);

    /// <exception cref="WorkerProtocolException">The connection ended or the worker broke the protocol.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the worker was told.</exception>
    public async Task<PredictReply> PredictAsync(PredictRequest request, CancellationToken cancellationToken)
        => (PredictReply)await CallAsync(FrameKind.Predict, request, FrameKind.PredictReply, PredictReply.Parser, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        Close("the connection was closed");
        _outgoing.Writer.TryComplete();
        await WorkerFrames.CloseAsync(_socket, _reading, _writing);
    }

    private async Task<IMessage> CallAsync(FrameKind kind, IMessage? message, FrameKind replyKind, MessageParser parser,
        CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextId);
        var call = new Call(this, id, replyKind, parser);
        _calls[id] = call;
        // A close that ran before the call was registered has not failed it: fail it here.
        if (_closed is { } closed && _calls.TryRemove(id, out _))
        {
            throw new WorkerProtocolException(closed);
        }
        _outgoing.Writer.TryWrite(new Outgoing(kind, id, message));
        using var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static (state, token) => ((Call)state!).Cancel(token), call)
            : default;
        return await call.Task;
    }

    private void Close(string why)
    {
        _closed ??= why;
        foreach (var id in _calls.Keys)
        {
            if (_calls.TryRemove(id, out var call))
            {
                call.TrySetException(new WorkerProtocolException(_closed));
            }
        }
    }

    private async Task WriteLoopAsync()
    {
        var outgoing = _outgoing.Reader;
        try
        {
            while (await outgoing.WaitToReadAsync())
            {
                while (outgoing.TryRead(out var item))
                {
                    WorkerFrames.Write(_writer, item.Kind, item.Id, item.Message);
                }
                var flushed = await _writer.FlushAsync();
                if (flushed.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception ex)
        {
            // The boundary of the connection, as in the reader.
            Close($"the connection failed: {ex.Message}");
        }
        await _writer.CompleteAsync();
    }

    private async Task ReadLoopAsync()
    {
        var why = "the connection was closed";
        try
        {
            while (true)
            {
                var result = await _reader.ReadAsync();
                var buffer = result.Buffer;
                while (WorkerFrames.TryRead(ref buffer, out var kind, out var id, out var payload))
                {
                    if (kind is not (FrameKind.PredictReply or FrameKind.DescribeReply))
                    {
                        throw new WorkerProtocolException($"a message of unknown kind {(byte)kind}");
                    }
                    // A reply to a call that was cancelled meanwhile is dropped; its id is never used again.
                    if (_calls.TryGetValue(id, out var call))
                    {
                        // The call stays in the table until its reply is read, so a bad reply fails it with the rest in Close.
                        if (kind != call.ReplyKind)
                        {
                            throw new WorkerProtocolException($"a reply of kind {(byte)kind} to a request that takes {(byte)call.ReplyKind}");
                        }
                        IMessage reply;
                        try
                        {
                            reply = call.Parser.ParseFrom(payload);
                        }
                        catch (InvalidProtocolBufferException ex)
                        {
                            throw new WorkerProtocolException($"an unreadable reply: {ex.Message}", ex);
                        }
                        if (_calls.TryRemove(id, out _))
                        {
                            call.TrySetResult(reply);
                        }
                    }
                }
                _reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (WorkerProtocolException ex)
        {
            why = $"it broke the protocol: {ex.Message}";
            _broken(why);
        }
        catch (Exception ex)
        {
            // The boundary of the connection: whatever ends the reader fails the calls in flight, none waits forever.
            why = $"the connection failed: {ex.Message}";
        }
        Close(why);
        _outgoing.Writer.TryComplete();
        await _reader.CompleteAsync();
    }

    private readonly record struct Outgoing(FrameKind Kind, uint Id, IMessage? Message);

    private sealed class Call(WorkerConnection connection, uint id, FrameKind replyKind, MessageParser parser)
        : TaskCompletionSource<IMessage>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public FrameKind ReplyKind => replyKind;

        public MessageParser Parser => parser;

        public void Cancel(CancellationToken token)
        {
            if (connection._calls.TryRemove(id, out _))
            {
                connection._outgoing.Writer.TryWrite(new Outgoing(FrameKind.Cancel, id, null));
                TrySetCanceled(token);
            }
        }
    }
}

using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Channels;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using SharpServing.Engine;
using SharpServing.Worker.Protocol;

namespace SharpServing.Worker.Internal;

/// <summary>
/// The worker's end of the server's connection (<see cref="WorkerFrames"/>): a reader loop that hands each request to
/// the thread pool (so concurrent requests meet in the worker's batch queues), and one writer loop that writes every
/// reply that is ready and flushes once. The server is the only client; a second connection is served the same way.
/// </summary>
internal sealed class WorkerEndpoint : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly WorkerService _service;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Connection, byte> _connections = new();
    private Task _accepting = Task.CompletedTask;

    public WorkerEndpoint(string path, WorkerService service, ILogger logger)
    {
        _service = service;
        _logger = logger;
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            _listener.Bind(new UnixDomainSocketEndPoint(path));
            _listener.Listen(16);
        }
        catch
        {
            _listener.Dispose();
            throw;
        }
    }

    public void Start() => _accepting = Task.Run(AcceptLoopAsync, CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Dispose();
        await _accepting;
        foreach (var connection in _connections.Keys)
        {
            await connection.DisposeAsync();
        }
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stopping.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            var connection = new Connection(this, socket);
            _connections[connection] = 0;
            connection.Start();
        }
    }

    private sealed class Connection : IAsyncDisposable
    {
        private readonly WorkerEndpoint _endpoint;
        private readonly Socket _socket;
        private readonly PipeReader _reader;
        private readonly PipeWriter _writer;
        private readonly Channel<(FrameKind Kind, uint Id, IMessage Message)> _replies =
            Channel.CreateUnbounded<(FrameKind, uint, IMessage)>(new UnboundedChannelOptions { SingleReader = true });
        private readonly ConcurrentDictionary<uint, CancellationTokenSource> _running = new();
        private Task _reading = Task.CompletedTask;
        private Task _writing = Task.CompletedTask;

        public Connection(WorkerEndpoint endpoint, Socket socket)
        {
            _endpoint = endpoint;
            _socket = socket;
            (_reader, _writer) = WorkerFrames.OpenPipes(socket);
        }

        public void Start()
        {
            _reading = Task.Run(ReadLoopAsync, CancellationToken.None);
            _writing = Task.Run(WriteLoopAsync, CancellationToken.None);
        }

        public async ValueTask DisposeAsync() => await WorkerFrames.CloseAsync(_socket, _reading, _writing);

        private async Task ReadLoopAsync()
        {
            try
            {
                while (true)
                {
                    var result = await _reader.ReadAsync();
                    var buffer = result.Buffer;
                    while (WorkerFrames.TryRead(ref buffer, out var kind, out var id, out var payload))
                    {
                        switch (kind)
                        {
                            case FrameKind.Describe:
                                _replies.Writer.TryWrite((FrameKind.DescribeReply, id, _endpoint._service.Describe()));
                                break;
                            case FrameKind.Predict:
                                var request = PredictRequest.Parser.ParseFrom(payload);
                                var cancellation = new CancellationTokenSource();
                                _running[id] = cancellation;
                                ThreadPool.UnsafeQueueUserWorkItem(new Work(this, id, request, cancellation), preferLocal: false);
                                break;
                            case FrameKind.Cancel:
                                if (_running.TryRemove(id, out var running))
                                {
                                    await running.CancelAsync();
                                }
                                break;
                            default:
                                throw new WorkerProtocolException($"a message of unknown kind {(byte)kind}");
                        }
                    }
                    _reader.AdvanceTo(buffer.Start, buffer.End);
                    if (result.IsCompleted)
                    {
                        break;
                    }
                }
            }
            catch (Exception ex) when (ex is WorkerProtocolException or InvalidProtocolBufferException or IOException)
            {
                WorkerLog.ConnectionFailed(_endpoint._logger, ex.Message);
            }
            foreach (var id in _running.Keys)
            {
                if (_running.TryRemove(id, out var running))
                {
                    await running.CancelAsync();
                }
            }
            _replies.Writer.TryComplete();
            await _reader.CompleteAsync();
            _endpoint._connections.TryRemove(this, out _);
        }

        private async Task WriteLoopAsync()
        {
            var replies = _replies.Reader;
            try
            {
                while (await replies.WaitToReadAsync())
                {
                    while (replies.TryRead(out var item))
                    {
                        WorkerFrames.Write(_writer, item.Kind, item.Id, item.Message);
                    }
                    if ((await _writer.FlushAsync()).IsCompleted)
                    {
                        break;
                    }
                }
            }
            catch (IOException ex)
            {
                WorkerLog.ConnectionFailed(_endpoint._logger, ex.Message);
            }
            await _writer.CompleteAsync();
        }

        private async Task RunAsync(uint id, PredictRequest request, CancellationTokenSource cancellation)
        {
            try
            {
                var reply = await _endpoint._service.PredictAsync(request, cancellation.Token);
                // A cancelled request gets no reply: the server has failed it already. (The token source holds no timer: no
                // disposal, which could race the cancel.)
                if (_running.TryRemove(id, out _))
                {
                    _replies.Writer.TryWrite((FrameKind.PredictReply, id, reply));
                }
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                // Cancelled by the server, which has failed the request already.
            }
            catch (Exception ex)
            {
                // The boundary of a request: whatever escapes the engine fails this request, not the worker.
                WorkerLog.RequestFailed(_endpoint._logger, ex, request.Method);
                if (_running.TryRemove(id, out _))
                {
                    _replies.Writer.TryWrite((FrameKind.PredictReply, id,
                        new PredictReply { ErrorCode = (int)ErrorCode.SystemError, ErrorMessage = $"The worker failed the request: {ex.Message}" }));
                }
            }
        }

        private sealed class Work(Connection connection, uint id, PredictRequest request, CancellationTokenSource cancellation)
            : IThreadPoolWorkItem
        {
            public void Execute() => _ = connection.RunAsync(id, request, cancellation);
        }
    }
}

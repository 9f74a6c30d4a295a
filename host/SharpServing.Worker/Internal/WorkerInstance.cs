using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using SharpServing.Engine.Loading;
using SharpServing.Worker.Protocol;

namespace SharpServing.Worker.Internal;

/// <summary>
/// One running worker process and the connection to its unix socket. Its standard input stays open for its whole life:
/// closing it stops the worker, and so does the server's death.
/// </summary>
internal sealed class WorkerInstance : IAsyncDisposable
{
    private const int TailLines = 20;
    private static readonly TimeSpan s_stopTimeout = TimeSpan.FromSeconds(10);
    private static int s_sockets;

    private readonly Process _process;
    private readonly string _servable;
    private readonly long _version;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource<string?> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _outputClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Queue<string> _tail = new();
    private readonly Lock _gate = new();
    private WorkerConnection? _connection;
    private string? _killCause;
    private long _readyAt;

    private WorkerInstance(Process process, string socket, string servable, long version, ILogger logger)
    {
        _process = process;
        Socket = socket;
        _servable = servable;
        _version = version;
        _logger = logger;
    }

    public int Pid { get; private set; }

    public string Socket { get; }

    /// <summary>The connection to the worker (set once it is ready).</summary>
    public WorkerConnection Connection => _connection!;

    /// <summary>The exit code, once the process has ended.</summary>
    public Task<int> Exited => _exited.Task;

    /// <summary>Why the server killed this worker; null when it was not killed.</summary>
    public string? KillCause => Volatile.Read(ref _killCause);

    /// <summary>How long the worker has served since it became ready.</summary>
    public TimeSpan ServedFor => _readyAt == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(_readyAt);

    /// <summary>The last lines the worker wrote on its standard error (what an unhandled exception prints).</summary>
    public string Tail
    {
        get
        {
            lock (_gate)
            {
                return string.Join(Environment.NewLine, _tail);
            }
        }
    }

    /// <summary>Starts a worker and waits until it serves and has described its version.</summary>
    /// <exception cref="ServableLoadException">The worker failed to load the version, exited, or was not ready in time.</exception>
    public static async Task<(WorkerInstance Worker, DescribeReply Description)> StartAsync(IReadOnlyList<string> command,
        IReadOnlyList<string> arguments, byte[]? decKey, string servable, long version, TimeSpan readyTimeout, ILogger logger,
        CancellationToken cancellationToken)
    {
        var socket = Path.Combine(Path.GetTempPath(), $"ss-worker-{Environment.ProcessId}-{Interlocked.Increment(ref s_sockets)}.sock");
        var start = new ProcessStartInfo(command[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in command.Skip(1).Concat(arguments).Append("--socket").Append(socket))
        {
            start.ArgumentList.Add(argument);
        }
        // The worker's only socket is the server's connection, whose reader loop never blocks (it hands each request to
        // the thread pool): its reads may complete on the socket event thread, one thread wake-up less per request.
        start.Environment["DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS"] = "1";
        if (decKey is not null)
        {
            start.Environment[WorkerProtocol.DecKeyVariable] = Convert.ToHexString(decKey);
        }
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var worker = new WorkerInstance(process, socket, servable, version, logger);
        process.OutputDataReceived += (_, e) => worker.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) => worker.OnError(e.Data);
        process.Exited += (_, _) => worker.OnExited();
        var started = Stopwatch.GetTimestamp();
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            process.Dispose();
            throw new ServableLoadException(servable, version,
                $"Start servable failed, servable '{servable}': its worker process '{command[0]}' cannot be started: {ex.Message}");
        }
        worker.Pid = process.Id;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var ready = await worker._ready.Task.WaitAsync(readyTimeout, cancellationToken);
            if (ready is not null)
            {
                throw new ServableLoadException(servable, version, ready);
            }
            worker._readyAt = Stopwatch.GetTimestamp();
            using var describeLimit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            describeLimit.CancelAfter(TimeSpan.FromSeconds(30));
            worker._connection = await WorkerConnection.ConnectAsync(socket, worker.OnBroken, describeLimit.Token);
            var description = await worker._connection.DescribeAsync(describeLimit.Token);
            var elapsedMs = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            WorkerLog.Started(logger, servable, description.Version, worker.Pid, elapsedMs);
            return (worker, description);
        }
        catch (TimeoutException)
        {
            await worker.DisposeAsync();
            throw new ServableLoadException(servable, version,
                $"Start servable failed, servable '{servable}': its worker process (pid {worker.Pid}) was not ready within {readyTimeout.TotalSeconds:0} s");
        }
        catch (Exception ex) when (ex is WorkerProtocolException or System.Net.Sockets.SocketException
            || ex is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            await worker.DisposeAsync();
            var why = ex is OperationCanceledException ? "not within 30 s" : ex.Message;
            throw new ServableLoadException(servable, version,
                $"Start servable failed, servable '{servable}': its worker process (pid {worker.Pid}) did not answer: {why}");
        }
        catch
        {
            await worker.DisposeAsync();
            throw;
        }
    }

    /// <summary>Kills the process now; <paramref name="cause"/> is what its exit is reported as.</summary>
    public void Kill(string cause)
    {
        Interlocked.CompareExchange(ref _killCause, cause, null);
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    /// <summary>Stops the worker: closes its input (it stops serving and exits), kills it if it does not exit in time.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The worker is gone already.
        }
        try
        {
            await _exited.Task.WaitAsync(s_stopTimeout);
        }
        catch (TimeoutException)
        {
            Kill("was killed because it did not stop in time");
            await ((Task)_exited.Task).WaitAsync(s_stopTimeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
        _process.Dispose();
        try
        {
            File.Delete(Socket);
        }
        catch (IOException)
        {
            // A socket file left behind is harmless: each worker gets a new name.
        }
    }

    private void OnBroken(string why)
    {
        WorkerLog.Killing(_logger, _servable, _version, Pid, why);
        Kill($"was killed because {why}");
    }

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            _outputClosed.TrySetResult();
            return;
        }
        if (line == WorkerProtocol.ReadyLine)
        {
            _ready.TrySetResult(null);
        }
        else if (line.StartsWith(WorkerProtocol.ErrorPrefix, StringComparison.Ordinal))
        {
            string? error;
            try
            {
                error = JsonSerializer.Deserialize<string>(line.AsSpan(WorkerProtocol.ErrorPrefix.Length));
            }
            catch (JsonException)
            {
                error = null;
            }
            _ready.TrySetResult(error ?? line[WorkerProtocol.ErrorPrefix.Length..]);
        }
        else
        {
            WorkerLog.Output(_logger, _servable, _version, Pid, line);
        }
    }

    private void OnError(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_gate)
        {
            _tail.Enqueue(line);
            if (_tail.Count > TailLines)
            {
                _tail.Dequeue();
            }
        }
        WorkerLog.Output(_logger, _servable, _version, Pid, line);
    }

    private void OnExited()
    {
        // The load error line may still be in the pipe when the exit is seen: read it first (briefly: a grandchild
        // could hold the pipe open).
        _outputClosed.Task.Wait(TimeSpan.FromSeconds(2));
        int code;
        try
        {
            code = _process.ExitCode;
        }
        catch (InvalidOperationException)
        {
            code = -1;
        }
        var tail = Tail;
        _ready.TrySetResult($"Start servable failed, servable '{_servable}': its worker process (pid {Pid}) {KillCause ?? WorkerProtocol.DescribeExit(code)} before it was ready"
            + (tail.Length == 0 ? "" : $":{Environment.NewLine}{tail}"));
        _exited.TrySetResult(code);
    }
}

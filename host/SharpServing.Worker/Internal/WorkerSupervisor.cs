using System.Globalization;
using Microsoft.Extensions.Logging;
using SharpServing.Engine;
using SharpServing.Engine.Configuration;
using SharpServing.Engine.Isolation;
using SharpServing.Engine.Loading;
using SharpServing.Worker.Protocol;

namespace SharpServing.Worker.Internal;

/// <summary>
/// Supervises the worker of one servable version: forwards requests to it; when it exits or is killed, fails the requests
/// in it at once with the cause, starts it again after a back-off (doubling up to the limit, reset once a worker has
/// served for a minute), and kills it when a request outruns the time limit or its resident memory the memory limit.
/// </summary>
internal sealed class WorkerSupervisor : IVersionProcess
{
    private static readonly TimeSpan s_servedLongEnough = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan s_exitWait = TimeSpan.FromSeconds(5);

    private readonly Func<CancellationToken, Task<(WorkerInstance Worker, DescribeReply Description)>> _start;
    private readonly string _servable;
    private readonly long _version;
    private readonly IsolationOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _supervision;
    private WorkerInstance? _current;
    private int _restarts;
    private string? _lastExit;
    private DateTimeOffset? _lastExitAt;
    private bool _disposed;

    public WorkerSupervisor(WorkerInstance first, Func<CancellationToken, Task<(WorkerInstance, DescribeReply)>> start, string servable, long version,
        IsolationOptions options, ILogger logger)
    {
        _current = first;
        _start = start;
        _servable = servable;
        _version = version;
        _options = options;
        _logger = logger;
        _supervision = Task.Run(() => SuperviseAsync(first), CancellationToken.None);
    }

    public event EventHandler? StatusChanged;

    public WorkerStatus Status
    {
        get
        {
            lock (_gate)
            {
                var state = _disposed ? "stopped" : _current is null ? "restarting" : "serving";
                return new WorkerStatus(_current?.Pid, state, _restarts, _lastExit, _lastExitAt);
            }
        }
    }

    public bool IsServing => Volatile.Read(ref _current) is not null;

    public async ValueTask<InferReply> ExecuteAsync(InferRequest request, Tensor[][] instances, CancellationToken cancellationToken)
    {
        var worker = Volatile.Read(ref _current);
        if (worker is null)
        {
            string? lastExit;
            lock (_gate)
            {
                lastExit = _lastExit;
            }
            return Failure($"its worker process is restarting (the last one {lastExit ?? "stopped"})");
        }
        var message = new PredictRequest { Servable = request.Servable, Method = request.Method, Version = request.Version };
        foreach (var instance in instances)
        {
            var item = new Instance();
            foreach (var tensor in instance)
            {
                item.Tensors.Add(TensorMessages.ToMessage(tensor));
            }
            message.Instances.Add(item);
        }
        using var limit = _options.RequestTimeLimit is { } timeLimit ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken) : null;
        limit?.CancelAfter(_options.RequestTimeLimit!.Value);
        PredictReply reply;
        try
        {
            reply = await worker.Connection.PredictAsync(message, limit?.Token ?? cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        catch (OperationCanceledException) when (limit is { IsCancellationRequested: true })
        {
            var ms = _options.RequestTimeLimit!.Value.TotalMilliseconds.ToString(CultureInfo.InvariantCulture);
            var cause = $"was killed because a request to method '{request.Method}' ran longer than the time limit of {ms} ms";
            Kill(worker, cause);
            return Failure($"its worker process (pid {worker.Pid}) {cause}; it is being restarted");
        }
        catch (WorkerProtocolException ex)
        {
            int code;
            try
            {
                code = await worker.Exited.WaitAsync(s_exitWait, CancellationToken.None);
            }
            catch (TimeoutException)
            {
                return InferReply.Failure(new ServingError(ErrorCode.SystemError,
                    $"Servable '{_servable}' version {_version}: its worker process (pid {worker.Pid}) failed the request: {ex.Message}"));
            }
            return Failure($"its worker process (pid {worker.Pid}) {worker.KillCause ?? WorkerProtocol.DescribeExit(code)}; it is being restarted");
        }
        if (reply.ErrorCode != 0)
        {
            return InferReply.Failure(new ServingError((ErrorCode)reply.ErrorCode, reply.ErrorMessage));
        }
        // The worker's reply is checked like any input: it runs code the server does not trust.
        if (reply.Instances.Count != instances.Length)
        {
            return InvalidReply(worker, $"{reply.Instances.Count} instances for a request of {instances.Length}");
        }
        var results = new InstanceResult[reply.Instances.Count];
        for (var i = 0; i < results.Length; i++)
        {
            try
            {
                results[i] = TensorMessages.ToResult(reply.Instances[i]);
            }
            catch (ArgumentException ex)
            {
                return InvalidReply(worker, $"instance {i}: {ex.Message}");
            }
        }
        return InferReply.Create(results);
    }

    public void Kill(string cause)
    {
        ArgumentException.ThrowIfNullOrEmpty(cause);
        if (Volatile.Read(ref _current) is { } worker)
        {
            Kill(worker, cause);
        }
    }

    public async ValueTask DisposeAsync()
    {
        WorkerInstance? worker;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            worker = _current;
            _current = null;
        }
        await _stopping.CancelAsync();
        await _supervision;
        if (worker is not null)
        {
            await worker.DisposeAsync();
            WorkerLog.Stopped(_logger, _servable, _version, worker.Pid);
        }
        _stopping.Dispose();
    }

    private void Kill(WorkerInstance worker, string cause)
    {
        WorkerLog.Killing(_logger, _servable, _version, worker.Pid, cause);
        worker.Kill(cause);
    }

    private InferReply InvalidReply(WorkerInstance worker, string what)
        => InferReply.Failure(new ServingError(ErrorCode.SystemError,
            $"Servable '{_servable}' version {_version}: its worker process (pid {worker.Pid}) sent an invalid reply: {what}"));

    private InferReply Failure(string what)
        => InferReply.Failure(new ServingError(ErrorCode.WorkerUnavailable, $"Servable '{_servable}' version {_version} is not available: {what}"));

    private async Task SuperviseAsync(WorkerInstance worker)
    {
        var delay = _options.RestartDelay;
        var token = _stopping.Token;
        while (true)
        {
            using var watch = CancellationTokenSource.CreateLinkedTokenSource(token);
            var memory = _options.MemoryLimitMb > 0 ? WatchMemoryAsync(worker, watch.Token) : Task.CompletedTask;
            int code;
            try
            {
                code = await worker.Exited.WaitAsync(token);
            }
            catch (OperationCanceledException)
            {
                await watch.CancelAsync();
                await memory;
                return;
            }
            await watch.CancelAsync();
            await memory;
            var cause = worker.KillCause ?? WorkerProtocol.DescribeExit(code);
            if (worker.ServedFor >= s_servedLongEnough)
            {
                delay = _options.RestartDelay;
            }
            lock (_gate)
            {
                if (_disposed)
                {
                    return;
                }
                _current = null;
                _lastExit = cause;
                _lastExitAt = DateTimeOffset.UtcNow;
            }
            var delayMs = (long)delay.TotalMilliseconds;
            WorkerLog.Exited(_logger, _servable, _version, worker.Pid, cause, delayMs);
            await worker.DisposeAsync();
            OnStatusChanged();
            while (true)
            {
                try
                {
                    await Task.Delay(delay, token);
                    (worker, _) = await _start(token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                catch (ServableLoadException ex)
                {
                    delay = Next(delay);
                    lock (_gate)
                    {
                        _lastExit = $"could not be started again: {ex.Message}";
                        _lastExitAt = DateTimeOffset.UtcNow;
                    }
                    var retryMs = (long)delay.TotalMilliseconds;
                    WorkerLog.RestartFailed(_logger, _servable, _version, ex.Message, retryMs);
                    OnStatusChanged();
                    continue;
                }
                delay = Next(delay);
                break;
            }
            bool serving;
            var restarts = 0;
            lock (_gate)
            {
                serving = !_disposed;
                if (serving)
                {
                    _current = worker;
                    restarts = ++_restarts;
                }
            }
            if (!serving)
            {
                // Stopped while this worker started: it never serves.
                await worker.DisposeAsync();
                return;
            }
            WorkerLog.Restarted(_logger, _servable, _version, worker.Pid, restarts);
            OnStatusChanged();
        }
    }

    private TimeSpan Next(TimeSpan delay) => delay * 2 > _options.MaxRestartDelay ? _options.MaxRestartDelay : delay * 2;

    /// <summary>Reads the worker's resident set from /proc/&lt;pid&gt;/statm until it exits; kills it above the limit.</summary>
    private async Task WatchMemoryAsync(WorkerInstance worker, CancellationToken cancellationToken)
    {
        var limitBytes = _options.MemoryLimitMb * 1024 * 1024;
        var statm = $"/proc/{worker.Pid}/statm";
        using var timer = new PeriodicTimer(IsolationOptions.MemoryCheckInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                string text;
                try
                {
                    text = await File.ReadAllTextAsync(statm, cancellationToken);
                }
                catch (IOException)
                {
                    return;
                }
                var fields = text.Split(' ');
                if (fields.Length > 1 && long.TryParse(fields[1], CultureInfo.InvariantCulture, out var pages))
                {
                    var resident = pages * Environment.SystemPageSize;
                    if (resident > limitBytes)
                    {
                        Kill(worker, $"was killed because its resident memory ({resident / (1024 * 1024)} MiB) exceeded the worker memory limit of {_options.MemoryLimitMb} MiB");
                        return;
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The worker exited or the version stopped.
        }
    }

    private void OnStatusChanged()
    {
        try
        {
            StatusChanged?.Invoke(this, EventArgs.Empty);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            WorkerLog.StatusHandlerFailed(_logger, ex, _servable, _version);
        }
    }
}

using System.Diagnostics;
using System.Text;
using SharpServing.Tests.Shared;

namespace SharpServing.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The real server as its own process: started with the given command, ready once its gRPC and RESTful startup lines
/// are on stdout; stopped with SIGTERM on dispose (killed with its children if it does not stop in time), always waited for.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    public static readonly TimeSpan DefaultStartupTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan s_stopTimeout = TimeSpan.FromSeconds(20);

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _lock = new();
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Seen)> _waiters = [];

    private ServerProcess(Process process, string grpcAddress, string restAddress)
    {
        _process = process;
        GrpcAddress = grpcAddress;
        RestAddress = restAddress;
    }

    public string GrpcAddress { get; }

    public string RestAddress { get; }

    /// <summary>Everything the process wrote so far, stdout and stderr interleaved.</summary>
    public string Output
    {
        get
        {
            lock (_lock)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public int Pid => _process.Id;

    /// <summary><c>dotnet sharpserving.dll serve ARGS --grpc 127.0.0.1:P --rest 127.0.0.1:Q</c>, on two free ports.</summary>
    public static Task<ServerProcess> ServeAsync(IEnumerable<string> arguments, string? workingDirectory = null, TimeSpan? startupTimeout = null)
    {
        string grpc = $"127.0.0.1:{FreePort.Next()}", rest = $"127.0.0.1:{FreePort.Next()}";
        return StartAsync("dotnet", [RepoPaths.ServerDll, "serve", .. arguments, "--grpc", grpc, "--rest", rest], grpc, rest,
            workingDirectory, startupTimeout);
    }

    /// <summary>Starts <paramref name="program"/> and waits for both startup lines naming the given addresses.</summary>
    public static async Task<ServerProcess> StartAsync(string program, IEnumerable<string> arguments, string grpcAddress, string restAddress,
        string? workingDirectory = null, TimeSpan? startupTimeout = null)
    {
        var server = Start(program, arguments, grpcAddress, restAddress, workingDirectory);
        try
        {
            var timeout = startupTimeout ?? DefaultStartupTimeout;
            await server.WaitForLineAsync($"Serving: Serving gRPC server start success, listening on {grpcAddress}", timeout);
            await server.WaitForLineAsync($"Serving: Serving RESTful server start success, listening on {restAddress}", timeout);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the process without waiting for anything (for servers expected to fail).</summary>
    public static ServerProcess Start(string program, IEnumerable<string> arguments, string grpcAddress = "", string restAddress = "",
        string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? RepoPaths.Root,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        Tool.Quiet(start);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var server = new ServerProcess(process, grpcAddress, restAddress);
        process.OutputDataReceived += (_, e) => server.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => server.OnLine(e.Data);
        process.Exited += (_, _) => server._exited.TrySetResult();
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>Waits until a line equal to <paramref name="line"/> appears; fails with the output when the process exits first.</summary>
    public Task<string> WaitForLineAsync(string line, TimeSpan timeout) => WaitForLineAsync(l => l == line, line, timeout);

    public async Task<string> WaitForLineAsync(Func<string, bool> match, string what, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            var existing = _output.ToString().Split('\n').FirstOrDefault(match);
            if (existing is not null)
            {
                return existing;
            }
            _waiters.Add((match, seen));
        }
        var first = await Task.WhenAny(seen.Task, _exited.Task, Task.Delay(timeout));
        if (first == seen.Task)
        {
            return await seen.Task;
        }
        if (first == _exited.Task)
        {
            // The last lines may still be in flight.
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            if (seen.Task.IsCompleted)
            {
                return await seen.Task;
            }
            throw new InvalidOperationException($"The server exited ({_process.ExitCode}) before '{what}'. Output:\n{Output}");
        }
        throw new TimeoutException($"No '{what}' within {timeout}. Output:\n{Output}");
    }

    /// <summary>Sends SIGTERM and returns at once (the drain tests watch what the server does next).</summary>
    public async Task TerminateAsync()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()]);
        await kill.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>Waits for the process to exit by itself; returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout);
        return _process.ExitCode;
    }

    /// <summary>Sends SIGTERM and waits for the process to exit within <paramref name="timeout"/>; returns its exit code.</summary>
    /// <exception cref="TimeoutException">It did not exit in time (dispose kills it).</exception>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        return await WaitForExitAsync(timeout);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                // SIGTERM: the server stops its front ends and unloads its servables.
                using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()]))
                {
                    await kill.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
                }
                try
                {
                    await _process.WaitForExitAsync().WaitAsync(s_stopTimeout);
                }
                catch (TimeoutException)
                {
                    _process.Kill(entireProcessTree: true);
                    await _process.WaitForExitAsync().WaitAsync(s_stopTimeout);
                }
            }
        }
        finally
        {
            _process.Dispose();
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }
        List<TaskCompletionSource<string>> matched = [];
        lock (_lock)
        {
            _output.Append(line).Append('\n');
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(line))
                {
                    matched.Add(_waiters[i].Seen);
                    _waiters.RemoveAt(i);
                }
            }
        }
        foreach (var waiter in matched)
        {
            waiter.TrySetResult(line);
        }
    }
}

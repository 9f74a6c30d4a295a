using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SharpServing.Benchmark;

/// <summary>
/// A server started by the benchmark (the sharpserving host or the floor) with the probe hooked in: its output is
/// kept (last lines, for error reports), readiness is a line it prints, and disposal kills it and removes its probe socket.
/// </summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly Queue<string> _tail = new();
    private readonly List<(string Text, TaskCompletionSource Seen)> _waits = [];
    private readonly Lock _lock = new();

    private ChildProcess(Process process, string probeSocket)
    {
        _process = process;
        ProbeSocket = probeSocket;
    }

    public int Pid => _process.Id;

    public string ProbeSocket { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Starts <paramref name="fileName"/> with <paramref name="arguments"/>; the probe listens on a fresh socket.</summary>
    public static ChildProcess Start(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, bool probe = true)
    {
        var probeSocket = Path.Combine(Path.GetTempPath(), $"sharpserving-bench-{Environment.ProcessId}-{Guid.NewGuid():N}.sock");
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        if (probe)
        {
            info.Environment["DOTNET_STARTUP_HOOKS"] = typeof(StartupHook).Assembly.Location;
            info.Environment[StartupHook.SocketVariable] = probeSocket;
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }
        var process = new Process { StartInfo = info };
        var child = new ChildProcess(process, probeSocket);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>The command line that runs this assembly again (for the floor server).</summary>
    public static (string FileName, string[] Prefix) Self()
    {
        var dll = typeof(ChildProcess).Assembly.Location;
        var host = Environment.ProcessPath;
        var dotnet = host is not null && Path.GetFileNameWithoutExtension(host) == "dotnet" ? host : "dotnet";
        return (dotnet, [dll]);
    }

    /// <summary>
    /// <paramref name="count"/> distinct loopback ports that were free a moment ago, below the kernel's ephemeral range
    /// (<see cref="SharpServing.Tests.Shared.FreePort"/>). Ports the kernel hands out for port 0 gave a server its gRPC
    /// and REST addresses on one port twice in a row, and the server refused to start.
    /// </summary>
    public static int[] FreePorts(int count)
    {
        var ports = new HashSet<int>();
        while (ports.Count < count)
        {
            ports.Add(SharpServing.Tests.Shared.FreePort.Next());
        }
        return [.. ports];
    }

    /// <summary>Waits until every one of <paramref name="lines"/> has appeared in the output (as substrings).</summary>
    /// <exception cref="InvalidOperationException">The process exited first, or the time ran out; with its last output.</exception>
    public async Task WaitForLinesAsync(IReadOnlyList<string> lines, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var waits = new List<Task>();
        lock (_lock)
        {
            foreach (var line in lines)
            {
                if (_tail.Any(l => l.Contains(line, StringComparison.Ordinal)))
                {
                    continue;
                }
                var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waits.Add((line, seen));
                waits.Add(seen.Task);
            }
        }
        var all = Task.WhenAll(waits);
        var exited = _process.WaitForExitAsync(cancellationToken);
        var done = await Task.WhenAny(all, exited, Task.Delay(timeout, cancellationToken));
        if (done != all)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var why = _process.HasExited ? $"exited with code {_process.ExitCode}" : $"was not ready after {timeout.TotalSeconds:0} s";
            throw new InvalidOperationException($"The server (pid {_process.Id}) {why}. Its last output:\n{Tail()}");
        }
    }

    public string Tail()
    {
        lock (_lock)
        {
            return string.Join('\n', _tail);
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // never started or already reaped
        }
        _process.Dispose();
        File.Delete(ProbeSocket);
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_lock)
        {
            _tail.Enqueue(line);
            if (_tail.Count > 200)
            {
                _tail.Dequeue();
            }
            for (var i = _waits.Count - 1; i >= 0; i--)
            {
                if (line.Contains(_waits[i].Text, StringComparison.Ordinal))
                {
                    _waits[i].Seen.TrySetResult();
                    _waits.RemoveAt(i);
                }
            }
        }
        if (Verbose)
        {
            Console.Error.WriteLine($"  [server] {line}");
        }
    }

    /// <summary>Echo the children's output to standard error.</summary>
    public static bool Verbose { get; set; }

    internal static string Describe(IEnumerable<string> args) =>
        new StringBuilder().AppendJoin(' ', args.Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"'{a}'" : a)).ToString();
}

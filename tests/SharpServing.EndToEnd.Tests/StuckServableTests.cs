using System.Diagnostics;
using SharpServing.EndToEnd.Tests.Infrastructure;
using SharpServing.Tests.Shared;

namespace SharpServing.EndToEnd.Tests;

/// <summary>
/// The real host with a servable whose configuration code never returns (it waits for a file the test writes at the
/// end): the ports open once the load passes its time limit, and SIGTERM ends the process within the drain timeout
/// plus a margin, whether the load is abandoned already or still running.
/// </summary>
public sealed class StuckServableTests : IDisposable
{
    // Drain timeout 1 s; the host's own stop margin is 5 s; the rest is process start-up and teardown.
    private static readonly TimeSpan s_exitWithin = TimeSpan.FromSeconds(12);
    private readonly TempDirectory _root = new("ss-stuck-");

    public StuckServableTests()
    {
        Write("echo", """
            RegisterMethod("echo", outputs: ["y"], x => AddStage(Echo, x));
            Tensor Echo(Tensor x) => x;
            """);
        Write("stuck", $$"""
            while (!File.Exists(@"{{ReleaseFile}}"))
            {
                Thread.Sleep(5);
            }
            RegisterMethod("echo", outputs: ["y"], x => x);
            """);
    }

    private string ReleaseFile => _root.Combine("release");

    public void Dispose()
    {
        File.WriteAllText(ReleaseFile, "");
        _root.Dispose();
    }

    private void Write(string servable, string script)
    {
        Directory.CreateDirectory(_root.Combine("servables", servable));
        File.WriteAllText(_root.Combine("servables", servable, "servable_config.csx"), script);
    }

    [Fact]
    public async Task A_restart_with_a_stuck_script_opens_its_ports_after_the_load_limit_and_SIGTERM_still_exits_in_time()
    {
        // A first run without the stuck servable leaves echo's compiled script in the cache, so the restart's load limit
        // measures the stuck one only, not Roslyn's start-up on a busy machine.
        var stuck = _root.Combine("servables", "stuck");
        var aside = _root.Combine("stuck-aside");
        Directory.Move(stuck, aside);
        await using (var first = await ServerProcess.ServeAsync(["--servables", _root.Combine("servables")], startupTimeout: TimeSpan.FromSeconds(90)))
        {
            Assert.Contains("Serving: servable echo version 1 available", first.Output, StringComparison.Ordinal);
        }
        Directory.Move(aside, stuck);

        await using var server = await ServerProcess.ServeAsync(
            ["--servables", _root.Combine("servables"), "--load-timeout-ms", "5000", "--drain-timeout-ms", "1000"],
            startupTimeout: TimeSpan.FromSeconds(90));

        Assert.Contains("Serving: servable echo version 1 available", server.Output, StringComparison.Ordinal);
        Assert.Contains("Serving: servable stuck failed to load: Start servable failed, servable 'stuck' version 0: the load did not finish "
            + "within the load time limit of 5000 ms", server.Output, StringComparison.Ordinal);

        var stopping = Stopwatch.StartNew();
        var exitCode = await server.TerminateAsync(s_exitWithin);

        Assert.Equal(0, exitCode);
        Assert.True(stopping.Elapsed < s_exitWithin, $"exited after {stopping.Elapsed}");
        Assert.Contains("Serving: stopping (running requests finish first)", server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SIGTERM_while_a_load_is_stuck_at_startup_exits_without_waiting_for_it()
    {
        string grpc = $"127.0.0.1:{FreePort.Next()}", rest = $"127.0.0.1:{FreePort.Next()}";
        await using var server = ServerProcess.Start("dotnet",
            [RepoPaths.ServerDll, "serve", "--servables", _root.Combine("servables"), "--no-compile-cache", "--load-timeout-ms", "600000",
                "--drain-timeout-ms", "1000", "--grpc", grpc, "--rest", rest]);
        // The other servable is in: the stuck one is loading, and stays so for ten minutes.
        await server.WaitForLineAsync(l => l.Contains("Servable echo version 1 is available", StringComparison.Ordinal), "echo is available",
            TimeSpan.FromSeconds(90));

        var stopping = Stopwatch.StartNew();
        var exitCode = await server.TerminateAsync(s_exitWithin);

        Assert.Equal(0, exitCode);
        Assert.True(stopping.Elapsed < s_exitWithin, $"exited after {stopping.Elapsed}");
        Assert.Contains("Serving: stopped while the servables were loading", server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("start success", server.Output, StringComparison.Ordinal);
    }
}

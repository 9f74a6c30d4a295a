using System.Diagnostics;
using Xunit.Abstractions;

namespace SharpServing.OnnxRuntime.Tests;

public sealed class CancellationTests(ITestOutputHelper output)
{
    private const int Nodes = 400;
    private const int Size = 1024;
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Cancelling_a_slow_run_stops_it_promptly()
    {
        // 400 matmuls of 1024x1024: about 7 s of work on two cores (17 ms a node), stoppable between nodes.
        using var session = OrtSession.FromBytes(Fixtures.MatMulChain(Nodes));
        var x = Tensor.Zeros<float>(Size, Size);
        using var cts = new CancellationTokenSource();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var run = Task.Run(() =>
        {
            started.SetResult();
            return session.Run([x], cts.Token);
        });
        await started.Task.WaitAsync(s_timeout);
        await Task.Delay(300);
        var clock = Stopwatch.StartNew();
        await cts.CancelAsync();
        var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(s_timeout));
        clock.Stop();

        output.WriteLine($"Run ended {clock.ElapsedMilliseconds} ms after cancellation.");
        Assert.Equal(cts.Token, e.CancellationToken);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1.5), $"The run took {clock.ElapsedMilliseconds} ms to stop.");
    }

    [Fact]
    public async Task The_same_slow_run_without_cancellation_takes_seconds()
    {
        // The counterpart of the test above: it shows that stopping "promptly" was the cancellation's doing.
        using var session = OrtSession.FromBytes(Fixtures.MatMulChain(Nodes));
        var x = Tensor.Zeros<float>(Size, Size);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var clock = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Task.Run(() => session.Run([x], cts.Token)).WaitAsync(s_timeout));

        output.WriteLine($"Stopped by the 2 s timer after {clock.ElapsedMilliseconds} ms.");
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.9), "The slow model finished before 2 s: it is not slow enough to test cancellation.");
    }

    [Fact]
    public void A_cancelled_run_leaves_the_session_usable()
    {
        using var session = OrtSession.FromBytes(Fixtures.MatMulChain(Nodes));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        Assert.ThrowsAny<OperationCanceledException>(() => session.Run([Tensor.Zeros<float>(Size, Size)], cts.Token));

        var y = Assert.Single(session.Run([Tensor.Create([1f, 0, 0, 1], 2, 2)], CancellationToken.None));

        Assert.Equal([1f, 0, 0, 1], y.ToArray<float>());
    }

    [Fact]
    public void An_already_cancelled_token_throws_before_running()
    {
        using var session = OrtSession.FromBytes(Fixtures.TensorAdd());
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        var e = Assert.ThrowsAny<OperationCanceledException>(() => session.Run([Tensor.Zeros<float>(2, 2), Tensor.Zeros<float>(2, 2)], cts.Token));

        Assert.Equal(cts.Token, e.CancellationToken);
    }

    [Fact]
    public void A_token_cancelled_after_the_run_does_not_affect_its_result()
    {
        using var session = OrtSession.FromBytes(Fixtures.TensorAdd());
        using var cts = new CancellationTokenSource();

        var y = session.Run([Tensor.Create([1f, 2, 3, 4], 2, 2), Tensor.Zeros<float>(2, 2)], cts.Token)[0];
        cts.Cancel();

        Assert.Equal([1f, 2, 3, 4], y.ToArray<float>());
    }
}

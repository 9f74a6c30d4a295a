using SharpServing.Engine.Execution;

namespace SharpServing.Engine.Tests.Execution;

/// <summary>The pooled request time limits: the scan cancels overdue requests, and a pooled limit never carries over.</summary>
public sealed class RequestTimeLimitTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_watched_limit_cancels_its_token_once_overdue()
    {
        var limit = RequestTimeLimit.Start(RequestTimeLimit.ScanFrom, CancellationToken.None);

        await WhenCancelledAsync(limit.Token).WaitAsync(s_wait);

        Assert.True(limit.IsCancellationRequested);
        limit.End(reuse: true);
    }

    [Fact]
    public async Task A_short_limit_cancels_its_token_with_its_own_timer()
    {
        var limit = RequestTimeLimit.Start(TimeSpan.FromMilliseconds(20), CancellationToken.None);

        await WhenCancelledAsync(limit.Token).WaitAsync(s_wait);

        limit.End(reuse: true);
    }

    [Fact]
    public void The_callers_cancellation_reaches_the_token()
    {
        using var caller = new CancellationTokenSource();
        var limit = RequestTimeLimit.Start(TimeSpan.FromMinutes(1), caller.Token);

        caller.Cancel();

        Assert.True(limit.IsCancellationRequested);
        limit.End(reuse: true);
    }

    [Fact]
    public void After_a_normal_end_the_callers_later_cancellation_reaches_no_other_request()
    {
        using var caller = new CancellationTokenSource();
        var ended = new RequestTimeLimit[64];
        for (var i = 0; i < ended.Length; i++)
        {
            ended[i] = RequestTimeLimit.Start(TimeSpan.FromMinutes(1), caller.Token);
        }
        foreach (var limit in ended)
        {
            limit.End(reuse: true);
        }
        // Pooled limits come back for these requests.
        var next = new RequestTimeLimit[64];
        for (var i = 0; i < next.Length; i++)
        {
            next[i] = RequestTimeLimit.Start(TimeSpan.FromMinutes(1), CancellationToken.None);
        }

        caller.Cancel();

        Assert.All(next, limit => Assert.False(limit.IsCancellationRequested));
        Assert.Contains(next, limit => ended.Contains(limit));
        foreach (var limit in next)
        {
            limit.End(reuse: true);
        }
    }

    [Fact]
    public async Task A_limit_that_fired_is_never_handed_out_again()
    {
        var fired = RequestTimeLimit.Start(RequestTimeLimit.ScanFrom, CancellationToken.None);
        await WhenCancelledAsync(fired.Token).WaitAsync(s_wait);
        fired.End(reuse: true);

        var next = new RequestTimeLimit[64];
        for (var i = 0; i < next.Length; i++)
        {
            next[i] = RequestTimeLimit.Start(TimeSpan.FromMinutes(1), CancellationToken.None);
        }

        Assert.DoesNotContain(fired, next);
        Assert.All(next, limit => Assert.False(limit.IsCancellationRequested));
        foreach (var limit in next)
        {
            limit.End(reuse: true);
        }
    }

    private static Task WhenCancelledAsync(CancellationToken token)
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        token.UnsafeRegister(static s => ((TaskCompletionSource)s!).TrySetResult(), cancelled);
        return cancelled.Task;
    }
}

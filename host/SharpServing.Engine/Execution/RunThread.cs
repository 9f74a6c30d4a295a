using System.Runtime.ExceptionServices;

namespace SharpServing.Engine.Execution;

/// <summary>
/// A thread of one model replica that makes its long runs, one at a time, for a caller that waits. A replica holds one per
/// run it may have in progress and hands them out under its run permit, so a run thread never has two callers.
/// </summary>
/// <remarks>
/// ONNX Runtime makes the thread that calls <c>Run</c> one of a run's intra-op threads, beside the session's own workers,
/// and wakes those workers at every parallel operator. Called from whichever thread-pool worker took the request, the
/// caller changes from run to run, and the scheduler now and then keeps it on the core of the worker it wakes: the two
/// take turns on one core while the other idles, for whole runs. det, the ocr servable's detector, ran 5–10 % slower in
/// the server than in a loop on one thread, and as fast as that loop once its runs came from one thread
/// (docs/benchmarks.md, "det's runs from one thread"). Short runs stay on the caller's thread: the hand-off costs two
/// wake-ups, tens of microseconds on a virtual machine.
/// </remarks>
internal sealed class RunThread : IDisposable
{
    private readonly SemaphoreSlim _start = new(0, 1);
    private readonly ManualResetEventSlim _done = new(false);
    private Action? _work;
    private Exception? _failure;
    private volatile bool _stopping;

    public RunThread(string name)
    {
        var thread = new Thread(Loop) { IsBackground = true, Name = name };
        thread.Start();
    }

    /// <summary>Runs <paramref name="work"/> on this thread and waits for it; rethrows what it throws.</summary>
    /// <exception cref="ObjectDisposedException">The thread was stopped.</exception>
    public void Invoke(Action work)
    {
        ObjectDisposedException.ThrowIf(_stopping, this);
        _work = work;
        _failure = null;
        _done.Reset();
        _start.Release();
        _done.Wait();
        if (_failure is { } failure)
        {
            _failure = null;
            ExceptionDispatchInfo.Throw(failure);
        }
    }

    /// <summary>Ends the thread once it is idle (a run in progress finishes first).</summary>
    public void Dispose()
    {
        if (_stopping)
        {
            return;
        }
        _stopping = true;
        _start.Release();
    }

    private void Loop()
    {
        while (true)
        {
            _start.Wait();
            if (_work is not { } work)
            {
                // Woken by Dispose: the thread owns its events from here.
                _start.Dispose();
                _done.Dispose();
                return;
            }
            try
            {
                work();
            }
#pragma warning disable CA1031 // Any failure of the run goes back to the caller that waits for it.
            catch (Exception e)
#pragma warning restore CA1031
            {
                _failure = e;
            }
            finally
            {
                _work = null;
                _done.Set();
            }
        }
    }
}

using System.Collections.Concurrent;
using static SharpServing.Engine.Tests.Execution.TestServable;

namespace SharpServing.Engine.Tests.Execution;

/// <summary>
/// A real session that takes <paramref name="duration"/> longer a run (sleeping, as a run waiting on other threads would),
/// records the thread of each run, can hold its runs until released and can fail one run.
/// </summary>
internal sealed class RecordingSession(IModelSession inner, TimeSpan duration = default) : IModelSession
{
    private readonly ManualResetEventSlim _released = new(true);
    private int _runs;
    private int _inProgress;
    private int _most;

    public ConcurrentQueue<(int Id, string? Name)> Runs { get; } = new();

    /// <summary>The run (counted from 1) that throws; 0: none.</summary>
    public int FailRun { get; init; }

    public int InProgress => Volatile.Read(ref _inProgress);

    public int MostInProgress => Volatile.Read(ref _most);

    public IReadOnlyList<ModelValueInfo> Inputs => inner.Inputs;

    public IReadOnlyList<ModelValueInfo> Outputs => inner.Outputs;

    public void Hold() => _released.Reset();

    public void Release() => _released.Set();

    public void Run(IReadOnlyList<Tensor> inputs, Tensor[] outputs, CancellationToken cancellationToken)
    {
        var run = Interlocked.Increment(ref _runs);
        Runs.Enqueue((Environment.CurrentManagedThreadId, Thread.CurrentThread.Name));
        var now = Interlocked.Increment(ref _inProgress);
        for (var most = Volatile.Read(ref _most); now > most; most = Volatile.Read(ref _most))
        {
            Interlocked.CompareExchange(ref _most, now, most);
        }
        try
        {
            if (!_released.Wait(TestTimeout, cancellationToken))
            {
                throw new TimeoutException("The test never released the runs.");
            }
            if (duration > TimeSpan.Zero)
            {
                Thread.Sleep(duration);
            }
            if (run == FailRun)
            {
                throw new ModelRuntimeException($"run {run} failed on purpose");
            }
            inner.Run(inputs, outputs, cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _inProgress);
        }
    }

    public void Dispose()
    {
        inner.Dispose();
        _released.Dispose();
    }
}

namespace SharpServing.Engine.Tests.Execution;

/// <summary>A stage function that signals when it is entered and holds its caller until the test releases it.</summary>
internal sealed class StageGate
{
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ManualResetEventSlim _released = new();

    public Task Entered => _entered.Task;

    public void Release() => _released.Set();

    public Tensor Pass(Tensor x)
    {
        _entered.TrySetResult();
        if (!_released.Wait(TestServable.TestTimeout))
        {
            throw new TimeoutException("The test never released the gate.");
        }
        return x;
    }
}

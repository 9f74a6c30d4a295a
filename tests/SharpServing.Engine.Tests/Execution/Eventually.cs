namespace SharpServing.Engine.Tests.Execution;

internal static class Eventually
{
    /// <summary>Waits until <paramref name="condition"/> holds, checking every millisecond, failing after the test timeout.</summary>
    public static async Task True(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TestServable.TestTimeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting until {what}.");
            }
            await Task.Delay(1);
        }
    }
}

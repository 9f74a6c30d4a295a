using System.Threading.Channels;

namespace SharpServing.Engine.Execution;

/// <summary>The batch delay's wait, shared by the model and function batch loops.</summary>
internal static class BatchWait
{
    /// <summary>
    /// Waits until <paramref name="reader"/> has an item, <paramref name="remaining"/> passes on <paramref name="time"/>, or
    /// <paramref name="abort"/> fires. True when an item can be read now.
    /// </summary>
    public static async Task<bool> ForMoreAsync<T>(ChannelReader<T> reader, TimeSpan remaining, TimeProvider time, CancellationToken abort)
    {
        using var timeout = new CancellationTokenSource(remaining, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, abort);
        var wait = reader.WaitToReadAsync(linked.Token).AsTask();
        await ((Task)wait).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return wait.IsCompletedSuccessfully && wait.Result;
    }
}

using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

#pragma warning disable CA1050 // The runtime looks up a startup hook by this exact name, outside any namespace.

/// <summary>
/// The benchmark's probe inside a measured server. <c>DOTNET_STARTUP_HOOKS=&lt;this assembly&gt;</c> and
/// <c>SHARPSERVING_BENCH_PROBE=&lt;unix socket path&gt;</c> make the runtime call <see cref="Initialize"/> before the
/// server's Main: it listens on the socket and answers each connection with one JSON line: bytes allocated so far,
/// GC counts, and the engine's model runs by batch size (from the <c>sharpserving.batch.size</c> histogram). Uses
/// the base library only, so it changes nothing else in the server.
/// </summary>
internal static class StartupHook
{
    public const string SocketVariable = "SHARPSERVING_BENCH_PROBE";
    private static readonly ConcurrentDictionary<(string Model, int Size), long> s_batches = new();
    private static readonly ConcurrentDictionary<string, double> s_runSeconds = new(StringComparer.Ordinal);
    private static MeterListener? s_listener;

    public static void Initialize()
    {
        var path = Environment.GetEnvironmentVariable(SocketVariable);
        if (string.IsNullOrEmpty(path))
        {
            return;
        }
        s_listener = new MeterListener
        {
            InstrumentPublished = static (instrument, listener) =>
            {
                if (instrument.Meter.Name == "SharpServing.Engine" && instrument.Name is "sharpserving.batch.size" or "sharpserving.model.run.duration")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        s_listener.SetMeasurementEventCallback<int>(static (_, size, tags, _) =>
            s_batches.AddOrUpdate((ModelOf(tags), size), 1, static (_, n) => n + 1));
        s_listener.SetMeasurementEventCallback<double>(static (_, seconds, tags, _) =>
            s_runSeconds.AddOrUpdate(ModelOf(tags), seconds, (_, total) => total + seconds));
        s_listener.Start();
        File.Delete(path);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        socket.Listen(4);
        var thread = new Thread(() => Serve(socket)) { IsBackground = true, Name = "bench probe" };
        thread.Start();
    }

    /// <summary>
    /// The JSON line: <c>{"allocated":N,"heap":N,"committed":N,"load_contexts":N,"gen0":N,"work_items":N,"lock_contentions":N,"gen1":N,"gen2":N,
    /// "batches":{"model":{"size":runs}},"run_seconds":{"model":S}}</c>. heap and committed are the GC's managed heap
    /// after the last collection and the memory it holds committed; load_contexts counts the load contexts not yet
    /// unloaded (the default one included); work_items counts the thread pool's completed work items (hand-offs between
    /// threads): a replaced servable version whose context is never unloaded shows as a
    /// count that grows (one unloaded but not yet collected is no longer counted; the unload tests check that).
    /// </summary>
    internal static string Snapshot()
    {
        var gc = GC.GetGCMemoryInfo();
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{{\"allocated\":{GC.GetTotalAllocatedBytes(precise: true)},\"heap\":{gc.HeapSizeBytes},");
        text.Append(CultureInfo.InvariantCulture, $"\"committed\":{gc.TotalCommittedBytes},\"load_contexts\":{System.Runtime.Loader.AssemblyLoadContext.All.Count()},");
        text.Append(CultureInfo.InvariantCulture, $"\"gen0\":{GC.CollectionCount(0)},\"work_items\":{ThreadPool.CompletedWorkItemCount},");
        text.Append(CultureInfo.InvariantCulture, $"\"lock_contentions\":{Monitor.LockContentionCount},");
        text.Append(CultureInfo.InvariantCulture, $"\"gen1\":{GC.CollectionCount(1)},\"gen2\":{GC.CollectionCount(2)},\"batches\":{{");
        var first = true;
        foreach (var model in s_batches.GroupBy(b => b.Key.Model))
        {
            if (!first)
            {
                text.Append(',');
            }
            text.Append('"').Append(System.Text.Json.JsonEncodedText.Encode(model.Key).ToString()).Append("\":{");
            text.Append(string.Join(",", model.OrderBy(b => b.Key.Size).Select(b => $"\"{b.Key.Size}\":{b.Value}")));
            text.Append('}');
            first = false;
        }
        text.Append("},\"run_seconds\":{");
        text.AppendJoin(",", s_runSeconds.Select(r => string.Create(CultureInfo.InvariantCulture,
            $"\"{System.Text.Json.JsonEncodedText.Encode(r.Key)}\":{r.Value:R}")));
        return text.Append("}}\n").ToString();
    }

    /// <summary>The value of the measurement's <c>model</c> tag; empty when it has none.</summary>
    private static string ModelOf(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == "model")
            {
                return tag.Value?.ToString() ?? "";
            }
        }
        return "";
    }

    private static void Serve(Socket socket)
    {
        while (true)
        {
            using var connection = socket.Accept();
            try
            {
                connection.Send(Encoding.UTF8.GetBytes(Snapshot()));
                connection.Shutdown(SocketShutdown.Both);
            }
            catch (SocketException ex)
            {
                Console.Error.WriteLine($"bench probe: {ex.Message}");
            }
        }
    }
}

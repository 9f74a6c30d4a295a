using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace SharpServing.Benchmark;

/// <summary>One reading of the <see cref="StartupHook"/> probe inside a server.</summary>
internal sealed record ProbeSnapshot(long Allocated, int Gen0, int Gen1, int Gen2, IReadOnlyDictionary<string, IReadOnlyDictionary<int, long>> Batches,
    IReadOnlyDictionary<string, double> RunSeconds)
{
    /// <summary>Reads the probe listening on <paramref name="socketPath"/>; null when it does not answer.</summary>
    public static async Task<ProbeSnapshot?> ReadAsync(string? socketPath, CancellationToken cancellationToken)
    {
        if (socketPath is null || !File.Exists(socketPath))
        {
            return null;
        }
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), timeout.Token);
        var buffer = new MemoryStream();
        var chunk = new byte[4096];
        int read;
        while ((read = await socket.ReceiveAsync(chunk, SocketFlags.None, timeout.Token)) > 0)
        {
            buffer.Write(chunk, 0, read);
        }
        return Parse(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    public static ProbeSnapshot Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var batches = new Dictionary<string, IReadOnlyDictionary<int, long>>(StringComparer.Ordinal);
        foreach (var model in root.GetProperty("batches").EnumerateObject())
        {
            batches[model.Name] = model.Value.EnumerateObject().ToDictionary(s => int.Parse(s.Name, System.Globalization.CultureInfo.InvariantCulture), s => s.Value.GetInt64());
        }
        var runSeconds = root.TryGetProperty("run_seconds", out var runs)
            ? runs.EnumerateObject().ToDictionary(r => r.Name, r => r.Value.GetDouble(), StringComparer.Ordinal)
            : new Dictionary<string, double>(StringComparer.Ordinal);
        return new ProbeSnapshot(root.GetProperty("allocated").GetInt64(), root.GetProperty("gen0").GetInt32(),
            root.GetProperty("gen1").GetInt32(), root.GetProperty("gen2").GetInt32(), batches, runSeconds);
    }

    /// <summary>
    /// Mean milliseconds per run of each model between <paramref name="before"/> and this reading, given the runs by batch
    /// size over the same interval (<see cref="BatchesSince"/>).
    /// </summary>
    public IReadOnlyDictionary<string, double> MsPerRunSince(ProbeSnapshot before, IReadOnlyDictionary<string, IReadOnlyDictionary<int, long>> batches)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(batches);
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (model, sizes) in batches)
        {
            var runs = sizes.Values.Sum();
            var seconds = RunSeconds.GetValueOrDefault(model) - before.RunSeconds.GetValueOrDefault(model);
            if (runs > 0 && seconds > 0)
            {
                result[model] = seconds * 1000 / runs;
            }
        }
        return result;
    }

    /// <summary>Runs per batch size of each model between <paramref name="before"/> and this reading.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<int, long>> BatchesSince(ProbeSnapshot before)
    {
        ArgumentNullException.ThrowIfNull(before);
        var result = new Dictionary<string, IReadOnlyDictionary<int, long>>(StringComparer.Ordinal);
        foreach (var (model, sizes) in Batches)
        {
            var earlier = before.Batches.GetValueOrDefault(model);
            var delta = sizes.Select(s => (s.Key, Runs: s.Value - (earlier?.GetValueOrDefault(s.Key) ?? 0)))
                .Where(s => s.Runs > 0).ToDictionary(s => s.Key, s => s.Runs);
            if (delta.Count > 0)
            {
                result[model] = delta;
            }
        }
        return result;
    }
}

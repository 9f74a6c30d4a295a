using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using SharpServing.Engine.Configuration;
using Xunit.Abstractions;

namespace SharpServing.Server.Tests.Reload;

/// <summary>
/// Steady traffic over the real RESTful server while the servables change under it: a new version dropped in, a script
/// edited, a plugin replaced, a broken script saved. No request may fail; replies switch to the new code at once and
/// never go back; the broken edit is reported and the last good version keeps serving. Latencies are printed, not asserted.
/// </summary>
[Collection(nameof(ReloadTimingGroup))]
public sealed class HotReloadUnderLoadTests(ITestOutputHelper output) : IDisposable
{
    private const int Loops = 4;
    private static readonly TimeSpan s_window = TimeSpan.FromMilliseconds(300);
    private readonly ReloadRepository _repository = new();
    private readonly ConcurrentQueue<Sample> _samples = new();
    private readonly ConcurrentDictionary<string, float> _latest = new(StringComparer.Ordinal);
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public void Dispose() => _repository.Dispose();

    [Fact]
    public async Task Swaps_under_steady_load_fail_no_request_and_switch_replies_to_the_new_code()
    {
        _repository.WriteScript("add", edit: 0);
        _repository.AddVersion("add", 1);
        _repository.WritePlugin("adder", constant: 1);
        _repository.AddVersion("adder", 1);
        var configuration = new ServingConfiguration { ServablesRoot = _repository.Root, WatchDebounce = TimeSpan.FromMilliseconds(200) };
        await using var server = await ReloadServer.StartAsync(configuration);
        using var stop = new CancellationTokenSource();
        var loops = Enumerable.Range(0, Loops).Select(i => Task.Run(() => LoopAsync(server, i, stop.Token))).ToArray();
        var windows = new List<(TimeSpan From, TimeSpan To)>();
        string brokenReport;
        try
        {
            await UntilAsync(() => _latest.ContainsKey("add") && _latest.ContainsKey("adder"), "both servables answer");
            await Task.Delay(TimeSpan.FromSeconds(1.5));
            var baselineEnd = _clock.Elapsed;

            var dropped = _clock.Elapsed;
            _repository.AddVersion("add", 2);
            var versionServing = await SwitchAsync("add", 200f, dropped, windows);

            var edited = _clock.Elapsed;
            _repository.WriteScript("add", edit: 7);
            var scriptServing = await SwitchAsync("add", 207f, edited, windows);

            var replaced = _clock.Elapsed;
            _repository.WritePlugin("adder", constant: 5);
            var pluginServing = await SwitchAsync("adder", 105f, replaced, windows);

            var broken = _clock.Elapsed;
            _repository.WriteScriptText("add", ReloadRepository.Script(8).Replace("(float)", "(flot)", StringComparison.Ordinal));
            brokenReport = await UntilReportedAsync(server, "add", 2);
            windows.Add((broken, _clock.Elapsed + s_window));
            await Task.Delay(s_window);

            await stop.CancelAsync();
            await Task.WhenAll(loops).WaitAsync(ReloadServer.Timeout);

            var samples = _samples.ToArray();
            var failures = samples.Where(s => s.Error is not null).ToList();
            var baseline = Latencies(samples.Where(s => s.Start > TimeSpan.FromMilliseconds(300) && s.Start < baselineEnd));
            var swapping = Latencies(samples.Where(s => windows.Any(w => s.Start >= w.From && s.Start <= w.To)));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{samples.Length} requests over REST from {Loops} loops, {failures.Count} failed"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"first reply from the new code after the change (quiet period 200 ms): version folder {versionServing.TotalMilliseconds:F0} ms, "
                + $"script edit {scriptServing.TotalMilliseconds:F0} ms, plugin {pluginServing.TotalMilliseconds:F0} ms"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"latency without a swap: p50 {Percentile(baseline, 50):F2} ms, p99 {Percentile(baseline, 99):F2} ms ({baseline.Length} requests); "
                + $"during swaps: p50 {Percentile(swapping, 50):F2} ms, p99 {Percentile(swapping, 99):F2} ms ({swapping.Length} requests)"));
            output.WriteLine($"broken edit reported: {brokenReport}");

            Assert.True(failures.Count == 0, $"{failures.Count} requests failed, first: {failures.FirstOrDefault()?.Error}");
            foreach (var loop in samples.GroupBy(s => (s.Loop, s.Servable)))
            {
                var offsets = loop.OrderBy(s => s.Start).Select(s => s.Offset!.Value).ToList();
                float[] allowed = loop.Key.Servable == "add" ? [100f, 200f, 207f] : [101f, 105f];
                Assert.All(offsets, o => Assert.Contains(o, allowed));
                Assert.True(offsets.Zip(offsets.Skip(1)).All(p => p.First <= p.Second), $"loop {loop.Key} went back to older code: {string.Join(",", offsets.Distinct())}");
            }
            Assert.Contains("servable_config.csx(2,", brokenReport);
            Assert.Equal(207f, (await server.PredictAsync("add")).Offset);
            Assert.Equal(105f, (await server.PredictAsync("adder")).Offset);
            Assert.Equal(global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, await server.HealthAsync("add"));
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(loops).WaitAsync(ReloadServer.Timeout);
        }
    }

    [Fact]
    public async Task Time_from_a_version_folder_appearing_to_serving_with_the_default_quiet_period()
    {
        _repository.WriteScript("add", edit: 0);
        _repository.AddVersion("add", 1);
        await using var server = await ReloadServer.StartAsync(new ServingConfiguration { ServablesRoot = _repository.Root });
        Assert.Equal(TimeSpan.FromSeconds(1), server.Server.Servables.Configuration.WatchDebounce);
        Assert.Equal(100f, (await server.PredictAsync("add")).Offset);

        var dropped = _clock.Elapsed;
        _repository.AddVersion("add", 2);
        float? offset;
        do
        {
            var reply = await server.PredictAsync("add");
            Assert.Null(reply.Error);
            offset = reply.Offset;
        }
        while (offset != 200f && _clock.Elapsed - dropped < ReloadServer.Timeout);
        var serving = _clock.Elapsed - dropped;

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"version folder renamed in -> first reply from it: {serving.TotalMilliseconds:F0} ms (quiet period 1000 ms, then load, warm-up, publish)"));
        Assert.Equal(200f, offset);
    }

    private async Task LoopAsync(ReloadServer server, int loop, CancellationToken cancellationToken)
    {
        for (var i = 0; !cancellationToken.IsCancellationRequested; i++)
        {
            var servable = (i + loop) % 2 == 0 ? "add" : "adder";
            var start = _clock.Elapsed;
            (float? Offset, string? Error) reply;
            try
            {
                reply = await server.PredictAsync(servable, cancellationToken: CancellationToken.None);
            }
            catch (Exception ex) when (ex is HttpRequestException or TimeoutException or IOException)
            {
                reply = (null, ex.Message);
            }
            _samples.Enqueue(new Sample(loop, servable, start, (_clock.Elapsed - start).TotalMilliseconds, reply.Offset, reply.Error));
            if (reply.Offset is { } offset)
            {
                _latest.AddOrUpdate(servable, offset, (_, old) => Math.Max(old, offset));
            }
        }
    }

    /// <summary>Waits until replies of <paramref name="servable"/> carry <paramref name="offset"/>; the time from the change
    /// to the first request that got the new code, and a latency window around the swap.</summary>
    private async Task<TimeSpan> SwitchAsync(string servable, float offset, TimeSpan changed, List<(TimeSpan From, TimeSpan To)> windows)
    {
        await UntilAsync(() => _latest.GetValueOrDefault(servable) >= offset, $"{servable} answers with offset {offset}");
        var first = _samples.Where(s => s.Servable == servable && s.Offset == offset).Min(s => s.Start + TimeSpan.FromMilliseconds(s.LatencyMs));
        windows.Add((changed, _clock.Elapsed + s_window));
        await Task.Delay(s_window);
        return first - changed;
    }

    private static async Task<string> UntilReportedAsync(ReloadServer server, string servable, long version)
    {
        var deadline = DateTime.UtcNow + ReloadServer.Timeout;
        while (DateTime.UtcNow < deadline)
        {
            var (status, body, response) = await server.SendAsync(HttpMethod.Get, $"/v1/servables/{servable}");
            response.Dispose();
            Assert.Equal(HttpStatusCode.OK, status);
            var entry = body.GetProperty("versions").EnumerateArray().Single(v => v.GetProperty("version").GetInt64() == version);
            if (entry.GetProperty("error").GetString() is { } error)
            {
                Assert.Equal("available", entry.GetProperty("state").GetString());
                return error;
            }
            await Task.Delay(20);
        }
        throw new TimeoutException($"servable {servable} version {version} never reported the broken edit");
    }

    private static async Task UntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + ReloadServer.Timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting until {what}.");
            }
            await Task.Delay(10);
        }
    }

    private static double[] Latencies(IEnumerable<Sample> samples) => [.. samples.Select(s => s.LatencyMs).Order()];

    private static double Percentile(double[] sorted, double percentile)
        => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(percentile / 100 * sorted.Length) - 1)];

    private sealed record Sample(int Loop, string Servable, TimeSpan Start, double LatencyMs, float? Offset, string? Error);
}

/// <summary>The timing tests run alone, so other tests' load does not blur their numbers.</summary>
[CollectionDefinition(nameof(ReloadTimingGroup), DisableParallelization = true)]
public sealed class ReloadTimingGroup;

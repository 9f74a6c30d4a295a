using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using SharpServing.EndToEnd.Tests.Infrastructure;
using SharpServing.Tests.Shared;

namespace SharpServing.EndToEnd.Tests;

/// <summary>
/// The real server process: a graceful drain on SIGTERM under load, and its /metrics endpoint checked by promtool and
/// scraped by a real Prometheus server whose query API must see every request and answer each dashboard query.
/// </summary>
public sealed class ObservabilityProcessTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private const string AddBody = """{"instances":[{"x1":[[1.0,2.0],[3.0,4.0]],"x2":[[5.0,6.0],[7.0,8.0]]}]}""";

    [Fact]
    public async Task On_SIGTERM_readiness_turns_false_at_once_requests_keep_succeeding_through_the_drain_and_the_process_exits_0()
    {
        await using var server = await ServerProcess.ServeAsync(["--servables", RepoPaths.Servables, "--servable", "add", "--drain-delay-ms", "3000"]);
        using var client = new HttpClient { BaseAddress = new Uri($"http://{server.RestAddress}"), Timeout = s_timeout };
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v2/health/ready").WaitAsync(s_timeout)).StatusCode);

        var failures = new List<string>();
        int succeeded = 0, succeededWhileDraining = 0;
        var draining = 0;
        using var stopSending = new CancellationTokenSource();
        var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stopSending.IsCancellationRequested)
            {
                var error = await PredictAsync(client);
                if (error is not null)
                {
                    lock (failures)
                    {
                        failures.Add(error);
                    }
                    return;
                }
                Interlocked.Increment(ref succeeded);
                if (Volatile.Read(ref draining) == 1)
                {
                    Interlocked.Increment(ref succeededWhileDraining);
                }
            }
        })).ToArray();
        while (Volatile.Read(ref succeeded) < 20 && workers.All(w => !w.IsCompleted))
        {
            await Task.Yield();
            await Task.Delay(10);
        }

        await server.TerminateAsync();
        await server.WaitForLineAsync("Serving: draining for 3000 ms", s_timeout);
        using (var ready = await client.GetAsync("/v2/health/ready").WaitAsync(s_timeout))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        }
        Volatile.Write(ref draining, 1);
        var servedBefore = Volatile.Read(ref succeededWhileDraining);
        while (Volatile.Read(ref succeededWhileDraining) < servedBefore + 20 && workers.All(w => !w.IsCompleted))
        {
            await Task.Delay(10);
        }
        // Within the drain delay: stop sending, so every request sent was accepted; in-flight ones must finish.
        await stopSending.CancelAsync();
        await Task.WhenAll(workers).WaitAsync(s_timeout);

        Assert.Empty(failures);
        Assert.True(Volatile.Read(ref succeededWhileDraining) >= 20, $"only {succeededWhileDraining} requests were served while draining");
        Assert.Equal(0, await server.WaitForExitAsync(s_timeout));
    }

    [Fact]
    public async Task Promtool_accepts_the_metrics_and_a_real_Prometheus_counts_every_request_and_answers_each_dashboard_query()
    {
        await using var server = await ServerProcess.ServeAsync(["--servables", RepoPaths.Servables, "--servable", "add"]);
        using var client = new HttpClient { BaseAddress = new Uri($"http://{server.RestAddress}"), Timeout = s_timeout };
        const int requests = 25;
        for (var i = 0; i < requests; i++)
        {
            Assert.Null(await PredictAsync(client));
        }
        var metrics = await client.GetStringAsync("/metrics").WaitAsync(s_timeout);

        using var data = new TempDirectory("ss-prometheus-");
        File.WriteAllText(data.Combine("metrics.txt"), metrics);
        var check = await Tool.RunAsync("sh", ["-c", "promtool check metrics < \"$0\"", data.Combine("metrics.txt")], timeout: s_timeout);
        Assert.True(check.ExitCode == 0, $"promtool check metrics failed:\n{check}");

        var port = FreePort.Next();
        File.WriteAllText(data.Combine("prometheus.yml"), $"""
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: sharpserving
                static_configs:
                  - targets: ["{server.RestAddress}"]
            """);
        await using var prometheus = ServerProcess.Start("prometheus", [
            $"--config.file={data.Combine("prometheus.yml")}", $"--storage.tsdb.path={data.Combine("tsdb")}",
            $"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"]);
        using var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = s_timeout };

        var counted = await QueryUntilAsync(api, """sum(sharpserving_requests_total{servable="add",reason="success"})""",
            r => r.Length == 1 && Value(r[0]) >= requests);
        Assert.Equal(requests, Value(counted[0]));
        Assert.NotEmpty(await QueryUntilAsync(api, """sharpserving_request_duration_seconds_bucket{servable="add"}""", r => r.Length > 0));

        // Rates need two scrapes with traffic between them: keep a trickle of requests going while the queries run.
        using var trickle = new CancellationTokenSource();
        var load = Task.Run(async () =>
        {
            while (!trickle.IsCancellationRequested)
            {
                await PredictAsync(client);
                await PredictAsync(client, servable: "nope");
            }
        });
        try
        {
            using var dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "deploy", "grafana", "sharpserving-dashboard.json")));
            foreach (var panel in dashboard.RootElement.GetProperty("panels").EnumerateArray())
            {
                foreach (var target in panel.GetProperty("targets").EnumerateArray())
                {
                    var expr = target.GetProperty("expr").GetString()!.Replace("$__rate_interval", "5s", StringComparison.Ordinal);
                    await QueryUntilAsync(api, expr, r => r.Length > 0);
                }
            }
        }
        finally
        {
            await trickle.CancelAsync();
            await load.WaitAsync(s_timeout);
        }
    }

    private static async Task<string?> PredictAsync(HttpClient client, string servable = "add")
    {
        using var content = new StringContent(AddBody, Encoding.UTF8, "application/json");
        using var response = await client.PostAsync($"/model/{servable}:add_common", content).WaitAsync(s_timeout);
        var text = await response.Content.ReadAsStringAsync().WaitAsync(s_timeout);
        return response.StatusCode == HttpStatusCode.OK && !text.Contains("error_msg", StringComparison.Ordinal)
            ? null
            : $"HTTP {(int)response.StatusCode}: {text}";
    }

    /// <summary>Runs an instant query until <paramref name="done"/> accepts its result vector (each scrape is 1 s apart).</summary>
    private static async Task<JsonElement[]> QueryUntilAsync(HttpClient api, string query, Func<JsonElement[], bool> done)
    {
        var deadline = Stopwatch.StartNew();
        var last = string.Empty;
        while (deadline.Elapsed < s_timeout)
        {
            try
            {
                var text = await api.GetStringAsync($"/api/v1/query?query={Uri.EscapeDataString(query)}").WaitAsync(s_timeout);
                last = text;
                using var json = JsonDocument.Parse(text);
                var result = json.RootElement.GetProperty("data").GetProperty("result").EnumerateArray().Select(e => e.Clone()).ToArray();
                if (done(result))
                {
                    return result;
                }
            }
            catch (HttpRequestException ex)
            {
                last = ex.Message; // Prometheus is still starting
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"Query '{query}' did not return the expected data within {s_timeout}; last answer: {last}");
    }

    private static double Value(JsonElement sample)
        => double.Parse(sample.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
}

using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using SharpServing.EndToEnd.Tests.Infrastructure;
using SharpServing.Tests.Shared;
using Xunit.Abstractions;

namespace SharpServing.EndToEnd.Tests;

/// <summary>
/// The real server with lazy loading and a loaded-memory budget that fits two of three servables (each a dense layer
/// with 2 MiB of weights): requests cycling through all three are all answered with the right numbers, at most two are
/// loaded at a time, and the status shows what was unloaded and why. The server's resident memory is measured as it goes.
/// </summary>
public sealed class LazyLoadingTests(ITestOutputHelper output) : IDisposable
{
    private const int Inputs = 724;   // 724 x 724 float32 weights: 2,096,704 bytes
    private const int Outputs = 724;
    // A request waits for its servable's load (up to the 300 s load limit); a busy machine compiles slowly.
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(300);
    private static readonly string[] s_servables = ["dense_a", "dense_b", "dense_c"];
    private readonly TempDirectory _root = Create();

    public void Dispose() => _root.Dispose();

    private static TempDirectory Create()
    {
        var root = new TempDirectory("ss-lazy-");
        var model = ModelFixtures.ModelFixtures.Dense(Inputs, Outputs);
        foreach (var name in s_servables)
        {
            Directory.CreateDirectory(root.Combine("servables", name, "1"));
            File.WriteAllBytes(root.Combine("servables", name, "1", "dense.onnx"), model);
            File.WriteAllText(root.Combine("servables", name, "servable_config.csx"), """
                var model = DeclareModel("dense.onnx");
                RegisterMethod("predict", outputs: ["y"], x => AddStage(model, x));
                """);
        }
        return root;
    }

    [Fact]
    public async Task A_budget_for_two_of_three_servables_answers_every_request_and_unloads_the_least_recently_used()
    {
        var admin = $"127.0.0.1:{FreePort.Next()}";
        await using var server = await ServerProcess.ServeAsync(
            ["--servables", _root.Combine("servables"), "--lazy-load", "--loaded-memory-budget-mb", "5", "--admin", admin], startupTimeout: s_timeout);
        using var client = new HttpClient { BaseAddress = new Uri($"http://{server.RestAddress}"), Timeout = s_timeout };
        // The status is the control API's, on its own (loopback) listener.
        using var control = new HttpClient { BaseAddress = new Uri($"http://{admin}"), Timeout = s_timeout };
        await server.WaitForLineAsync($"Serving: control API listening on {admin}", s_timeout);
        var modelBytes = new FileInfo(_root.Combine("servables", "dense_a", "1", "dense.onnx")).Length;

        // Nothing is loaded at the start; the replica is ready all the same (each servable loads on demand).
        var start = await StatusAsync(control);
        Assert.Equal(0, start.GetProperty("loaded_memory_bytes").GetInt64());
        Assert.Equal(5L * 1024 * 1024, start.GetProperty("loaded_memory_budget_bytes").GetInt64());
        foreach (var name in s_servables)
        {
            var version = Version(start, name);
            Assert.Equal("unloaded", version.GetProperty("state").GetString());
            Assert.StartsWith("not loaded yet", version.GetProperty("unload_reason").GetString(), StringComparison.Ordinal);
        }
        using (var ready = await client.GetAsync("/v2/health/ready"))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, ready.StatusCode);
        }
        var rssAtStart = ResidentBytes(server.Pid);

        var expected = Expected();
        var evictions = new HashSet<string>(StringComparer.Ordinal);
        var answered = 0;
        for (var round = 0; round < 3; round++)
        {
            foreach (var name in s_servables)
            {
                var y = await PredictAsync(client, name);
                Assert.Equal(expected.Length, y.Length);
                for (var j = 0; j < y.Length; j++)
                {
                    Assert.True(Math.Abs(y[j] - expected[j]) < 1e-3, $"{name} y[{j}] = {y[j]}, expected {expected[j]}");
                }
                answered++;
                var status = await StatusAsync(control);
                var loaded = s_servables.Where(s => Version(status, s).GetProperty("state").GetString() == "available").ToList();
                Assert.Contains(name, loaded);
                Assert.True(loaded.Count <= 2, $"after {name}: {loaded.Count} loaded: {string.Join(", ", loaded)}");
                Assert.Equal(loaded.Count * modelBytes, status.GetProperty("loaded_memory_bytes").GetInt64());
                Assert.Equal(modelBytes, Version(status, name).GetProperty("memory_bytes").GetInt64());
                foreach (var other in s_servables.Except(loaded))
                {
                    var reason = Version(status, other).GetProperty("unload_reason").GetString()!;
                    if (reason.Contains("least recently used", StringComparison.Ordinal))
                    {
                        evictions.Add(other);
                        Assert.Contains("loaded memory budget of 5.0 MiB", reason, StringComparison.Ordinal);
                    }
                }
                output.WriteLine($"round {round} {name}: loaded [{string.Join(", ", loaded)}], "
                    + $"counted {status.GetProperty("loaded_memory_bytes").GetInt64()} bytes, resident {ResidentBytes(server.Pid) / 1048576.0:0.0} MiB");
            }
        }

        Assert.Equal(9, answered);
        // Cycling a, b, c through room for two unloads each of them in turn.
        Assert.Equal(s_servables.Order(), evictions.Order());
        Assert.Contains("is unloaded to make room under the loaded memory budget", server.Output, StringComparison.Ordinal);
        output.WriteLine($"resident memory: {rssAtStart / 1048576.0:0.0} MiB at the start, {ResidentBytes(server.Pid) / 1048576.0:0.0} MiB after 9 requests; "
            + $"each servable counts {modelBytes} bytes");

        // Requests at once for all three: every one is answered (versions in use are never unloaded; the budget may be
        // passed while all are busy, and is restored by the next load).
        var concurrent = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => PredictAsync(client, s_servables[i % 3])));
        Assert.All(concurrent, y => Assert.Equal(expected[0], y[0], 3));
    }

    [Fact]
    public async Task A_memory_budget_without_lazy_loading_is_refused_at_start()
    {
        var result = await Tool.RunAsync("dotnet", [RepoPaths.ServerDll, "serve", "--servables", _root.Combine("servables"),
            "--loaded-memory-budget-mb", "5", "--grpc", "none", "--rest", "none"], timeout: s_timeout);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("loaded_memory_budget_mb", result.ToString(), StringComparison.Ordinal);
        Assert.Contains("needs lazy_load", result.ToString(), StringComparison.Ordinal);
    }

    private static async Task<float[]> PredictAsync(HttpClient client, string servable)
    {
        var x = string.Join(",", Enumerable.Repeat("1.0", Inputs));
        using var content = new StringContent($$"""{"instances":[{"x":[{{x}}]}]}""");
        using var response = await client.PostAsync($"/model/{servable}:predict", content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{servable}: {(int)response.StatusCode} {text}");
        using var json = JsonDocument.Parse(text);
        var instance = json.RootElement.GetProperty("instances")[0];
        Assert.False(instance.TryGetProperty("error_msg", out _), $"{servable}: {text}");
        return [.. instance.GetProperty("y").EnumerateArray().Select(v => v.GetSingle())];
    }

    private static async Task<JsonElement> StatusAsync(HttpClient client)
        => (await client.GetFromJsonAsync<JsonElement>("/v1/servables"));

    private static JsonElement Version(JsonElement status, string servable)
        => status.GetProperty("servables").EnumerateArray().Single(s => s.GetProperty("name").GetString() == servable)
            .GetProperty("versions").EnumerateArray().Single(v => v.GetProperty("version").GetInt64() == 1);

    /// <summary>y[j] = sum over i of W[i, j] for x of ones.</summary>
    private static float[] Expected()
        => [.. Enumerable.Range(0, Outputs).Select(j => Enumerable.Range(0, Inputs).Sum(i => ModelFixtures.ModelFixtures.DenseWeight(i, j)))];

    /// <summary>VmRSS of the server process, from /proc.</summary>
    private static long ResidentBytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }
}

using System.Diagnostics;
using System.Text.Json;

namespace SharpServing.EndToEnd.Tests.Isolation;

/// <summary>Calls and status reads against a server with isolated servables; every wait is bounded.</summary>
internal static class IsolatedClient
{
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(60);
    private static readonly HttpClient s_http = new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Calls <c>servable.run</c> with x = [<paramref name="x"/>].</summary>
    public static async Task<InferResult> RunAsync(string grpc, string servable, float x)
    {
        using var client = new Client(grpc, servable, "run");
        return await client.InferAsync(new Dictionary<string, object> { ["x"] = new[] { x } }, CallTimeout);
    }

    /// <summary>Calls <c>add.add_common</c> with 2×2 ones; returns y[0,0].</summary>
    public static async Task<InferResult> AddAsync(string grpc)
    {
        using var client = new Client(grpc, "add", "add_common");
        var ones = new float[,] { { 1, 1 }, { 1, 1 } };
        return await client.InferAsync(new Dictionary<string, object> { ["x1"] = ones, ["x2"] = ones }, CallTimeout);
    }

    /// <summary>The <c>worker</c> object of the first version of <paramref name="servable"/>, or the version itself when it has none.</summary>
    public static async Task<JsonElement> VersionAsync(string admin, string servable)
    {
        var text = await s_http.GetStringAsync(new Uri($"http://{admin}/v1/servables/{servable}"));
        using var document = JsonDocument.Parse(text);
        return document.RootElement.GetProperty("versions")[0].Clone();
    }

    /// <summary>Polls <paramref name="condition"/> every 100 ms until it holds; fails after <paramref name="timeout"/>.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < timeout, $"Not within {timeout}: {what}");
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
    }

    /// <summary>Runs <paramref name="action"/> while one loop keeps calling <c>add</c>; every call of the loop must succeed.</summary>
    public static async Task WhileAddAnswersAsync(string grpc, Func<Task> action)
    {
        using var stop = new CancellationTokenSource();
        var calls = 0;
        var loop = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var result = await AddAsync(grpc);
                Assert.True(result.IsSuccess, $"add failed while a neighbour misbehaved: {result.Error}");
                calls++;
            }
        });
        try
        {
            await action();
        }
        finally
        {
            await stop.CancelAsync();
            await loop.WaitAsync(CallTimeout);
        }
        Assert.True(calls > 0, "add was never called");
    }
}

using System.Text.Json.Nodes;
using Grpc.HealthCheck;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;
using SharpServing.Server.Tests.Infrastructure;

namespace SharpServing.Server.Tests.Grpc;

[Collection(PythonClients.Name)]
public sealed class HealthInteropTests(PythonGrpc python)
{
    [Fact]
    public async Task Check_reports_the_server_and_servables()
    {
        var health = new HealthServiceImpl();
        health.SetStatus("", ServingStatus.Serving);
        health.SetStatus("add", ServingStatus.Serving);
        health.SetStatus("ocr", ServingStatus.NotServing);
        await using var host = await TestHosts.StartAsync(new TestPredictor(), health: health);

        var statuses = await python.HealthCheckAsync(host.Address, "", "add", "ocr", "nope");

        Assert.Equal("SERVING", statuses[""]);
        Assert.Equal("SERVING", statuses["add"]);
        Assert.Equal("NOT_SERVING", statuses["ocr"]);
        Assert.Equal("code:5", statuses["nope"]);
    }

    [Fact]
    public async Task Watch_streams_changes_and_ends_when_the_client_cancels()
    {
        var health = new HealthServiceImpl();
        await using var host = await TestHosts.StartAsync(new TestPredictor(), health: health);
        using var watch = python.StartWatch(host.Address, "add", count: 3);
        try
        {
            Assert.Equal("SERVICE_UNKNOWN", await NextStatusAsync(watch));
            health.SetStatus("add", ServingStatus.Serving);
            Assert.Equal("SERVING", await NextStatusAsync(watch));
            health.SetStatus("add", ServingStatus.NotServing);
            Assert.Equal("NOT_SERVING", await NextStatusAsync(watch));
            var last = JsonNode.Parse((await watch.StandardOutput.ReadLineAsync().WaitAsync(PythonGrpc.Timeout))!)!;
            Assert.True(last["cancelled"]!.GetValue<bool>());
            await watch.WaitForExitAsync().WaitAsync(PythonGrpc.Timeout);
            Assert.Equal(0, watch.ExitCode);
        }
        finally
        {
            if (!watch.HasExited)
            {
                watch.Kill(entireProcessTree: true);
                await watch.WaitForExitAsync();
            }
        }
    }

    private static async Task<string> NextStatusAsync(System.Diagnostics.Process watch)
    {
        var line = await watch.StandardOutput.ReadLineAsync().WaitAsync(PythonGrpc.Timeout)
            ?? throw new InvalidOperationException("The watch ended early: " + await watch.StandardError.ReadToEndAsync());
        return JsonNode.Parse(line)!["status"]!.GetValue<string>();
    }
}

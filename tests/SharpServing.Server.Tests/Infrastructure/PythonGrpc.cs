using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SharpServing.Server.Tests.Infrastructure;

/// <summary>
/// Debian's python3-grpcio as a real client: stubs generated from our .proto files by grpc_tools.protoc into a temp
/// folder (once per fixture), and short python scripts that print JSON. Always <c>/usr/bin/python3</c>: it sees Debian's
/// Python packages.
/// </summary>
public sealed class PythonGrpc : IAsyncLifetime
{
    public const string Python = "/usr/bin/python3";
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _stubs = new("ss-pystubs-");

    public string StubsFolder => _stubs.Path;

    public async Task InitializeAsync()
    {
        // The protocol's one copy of the .proto files, shared by the server and the client.
        var folder = RepoPaths.Combine("sdk", "SharpServing.Protocol", "Protos");
        foreach (var file in new[] { "ms_service.proto", "health.proto" })
        {
            await ProcessRunner.RunCheckedAsync(Python,
                ["-m", "grpc_tools.protoc", "-I", folder, "--python_out", StubsFolder, "--grpc_python_out", StubsFolder, Path.Combine(folder, file)],
                Timeout);
        }
    }

    public Task DisposeAsync()
    {
        _stubs.Dispose();
        return Task.CompletedTask;
    }

    public static string Script(string name) => RepoPaths.Combine("tests", "SharpServing.Server.Tests", "Grpc", "Scripts", name);

    /// <summary>Runs predict_client.py with a scenario; returns its parsed output.</summary>
    public async Task<JsonNode> PredictAsync(JsonObject scenario)
    {
        using var folder = new TempDirectory("ss-scenario-");
        var path = folder.Combine("scenario.json");
        await File.WriteAllTextAsync(path, scenario.ToJsonString());
        var stdout = await ProcessRunner.RunCheckedAsync(Python, [Script("predict_client.py"), StubsFolder, path], Timeout);
        return JsonNode.Parse(stdout) ?? throw new InvalidOperationException("predict_client.py printed nothing.");
    }

    /// <summary>Runs health_client.py check for the services; returns service → status name or "code:N".</summary>
    public async Task<Dictionary<string, string>> HealthCheckAsync(string target, params string[] services)
    {
        var stdout = await ProcessRunner.RunCheckedAsync(Python, [Script("health_client.py"), StubsFolder, target, "check", .. services], Timeout);
        return JsonSerializer.Deserialize<Dictionary<string, string>>(stdout)!;
    }

    /// <summary>Starts health_client.py watch; the caller reads its JSON lines.</summary>
    public Process StartWatch(string target, string service, int count)
    {
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { Script("health_client.py"), StubsFolder, target, "watch", service, count.ToString() })
        {
            start.ArgumentList.Add(argument);
        }
        return Process.Start(start) ?? throw new InvalidOperationException("Could not start python.");
    }
}

using SharpServing.EndToEnd.Tests.Infrastructure;

namespace SharpServing.EndToEnd.Tests.V2;

/// <summary>
/// A real server for the Open Inference Protocol checks: the example servable <c>add</c> and <c>echo</c> (one method, y = x,
/// for every datatype), with a 2 MiB gRPC message limit and watching off (the repository extension unloads and loads); and python stubs generated from our grpc_service.proto.
/// </summary>
public sealed class V2Server : IAsyncLifetime
{
    private readonly TempDirectory _root = new("ss-v2-");
    private ServerProcess? _server;

    /// <summary>The control API's token: the server serves the control API (and the repository extension) on its REST
    /// listener with it (<c>--admin public</c>); gRPC repository calls carry it too.</summary>
    public const string Token = "v2-repository-token";

    public ServerProcess Server => _server ?? throw new InvalidOperationException("The server has not started.");

    /// <summary>The folder of the generated python stubs (for PYTHONPATH).</summary>
    public string Stubs => _root.Combine("stubs");

    public async Task InitializeAsync()
    {
        var servables = _root.Combine("servables");
        CopyDirectory(RepoPaths.Combine("servables", "add"), Path.Combine(servables, "add"));
        Directory.CreateDirectory(Path.Combine(servables, "echo"));
        await File.WriteAllTextAsync(Path.Combine(servables, "echo", "servable_config.csx"), """RegisterMethod("echo", outputs: ["y"], x => x);""");
        Directory.CreateDirectory(Stubs);
        await GenerateStubsAsync(Stubs);
        var token = _root.Combine("admin-token");
        await File.WriteAllTextAsync(token, Token + "\n");
        _server = await ServerProcess.ServeAsync(["--servables", servables, "--grpc-max-msg-mb", "2", "--no-watch", "--admin", "public",
            "--admin-token-file", token]);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        _root.Dispose();
    }

    /// <summary>Runs <c>grpc_tools.protoc</c> on grpc_service.proto into <paramref name="folder"/>.</summary>
    public static async Task GenerateStubsAsync(string folder)
    {
        var protos = RepoPaths.Combine("sdk", "SharpServing.Protocol", "Protos");
        var stubs = await Tool.RunAsync(RepoPaths.Python,
            ["-m", "grpc_tools.protoc", "-I", protos, "--python_out=.", "--grpc_python_out=.", Path.Combine(protos, "grpc_service.proto")], folder);
        Assert.True(stubs.ExitCode == 0, stubs.ToString());
    }

    /// <summary>The path of a file of this folder of the tests (the python checks and the schema).</summary>
    public static string Script(string name) => RepoPaths.Combine("tests", "SharpServing.EndToEnd.Tests", "V2", name);

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
        foreach (var folder in Directory.GetDirectories(from))
        {
            CopyDirectory(folder, Path.Combine(to, Path.GetFileName(folder)));
        }
    }
}

using SharpServing.EndToEnd.Tests.Infrastructure;
using SharpServing.Tests.Shared;

namespace SharpServing.EndToEnd.Tests;

/// <summary>Addresses the server cannot serve on: MindSpore Serving's texts on stderr, exit code 3, no process left.</summary>
public sealed class StartupErrorTests
{
    [Theory]
    [InlineData("--grpc", "127.0.0.1:99999", "Serving Error: The port of the Serving gRPC address '127.0.0.1:99999' is out of legal range [1 ~ 65535]")]
    [InlineData("--grpc", "127.0.0.1", "Serving Error: The format of the Serving gRPC address '127.0.0.1' is illegal")]
    [InlineData("--grpc", "127.0.0.1:port", "Serving Error: The type of Serving gRPC address '127.0.0.1:port' port is not a number")]
    [InlineData("--grpc", "127.0.256.1:5000", "Serving Error: Serving gRPC server start failed, create server failed, address 127.0.256.1:5000")]
    [InlineData("--rest", "unix:/tmp/rest.sock", "Serving Error: RESTful server does not support binding to unix domain socket")]
    [InlineData("--rest", ":1500", "Serving Error: Missing ip or port of the RESTful server address ':1500'")]
    public async Task A_bad_address_exits_3_with_the_specification_text(string option, string address, string expected)
    {
        var other = option == "--grpc" ? "--rest" : "--grpc";

        var result = await Tool.SharpServingAsync(["serve", "--servables", "servables", "--servable", "add", option, address, other, "none"],
            timeout: TimeSpan.FromSeconds(90));

        Assert.Equal(3, result.ExitCode);
        Assert.Equal(expected, result.StandardError.Trim());
        Assert.DoesNotContain("start success", result.StandardOutput);
    }

    [Fact]
    public async Task An_address_in_use_exits_3_after_stopping_what_had_started()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var taken = $"127.0.0.1:{((System.Net.IPEndPoint)listener.LocalEndpoint).Port}";
        var grpc = $"127.0.0.1:{FreePort.Next()}";

        var result = await Tool.SharpServingAsync(["serve", "--servables", "servables", "--servable", "add", "--grpc", grpc, "--rest", taken],
            timeout: TimeSpan.FromSeconds(90));

        Assert.Equal(3, result.ExitCode);
        Assert.Contains($"Serving: Serving gRPC server start success, listening on {grpc}", result.StandardOutput);
        Assert.Equal($"Serving Error: RESTful server start failed, bind to the socket address {taken} failed", result.StandardError.Trim());
    }

    [Fact]
    public async Task A_bad_setting_in_a_configuration_file_exits_3_naming_the_setting()
    {
        using var folder = new TempDirectory();
        var config = folder.Combine("serving.json");
        await File.WriteAllTextAsync(config, """{ "servables_root": "servables", "servables": [ { "name": "add", "num_parallel_workers": 65 } ] }""");

        var result = await Tool.SharpServingAsync(["serve", "--config", config]);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("servables[0].num_parallel_workers: Parameter 'num_parallel_workers' should be in range [0,64]", result.StandardError);
    }
}

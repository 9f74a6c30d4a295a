using SharpServing.EndToEnd.Tests.Infrastructure;
using SharpServing.Tests.Shared;

namespace SharpServing.EndToEnd.Tests;

/// <summary>
/// The README's quick start exactly as written: its <c>./serve.sh</c> command (ports swapped for free ones), its curl
/// command and the JSON it documents, and its C# client snippet compiled as a program and its documented output.
/// Everything comes from README.md at test time, so the test fails when the README drifts from the server.
/// </summary>
public sealed class ReadmeQuickStartTests(ReadmeQuickStartTests.Fixture fixture) : IClassFixture<ReadmeQuickStartTests.Fixture>
{
    public const string DocumentedGrpc = "127.0.0.1:5500";
    public const string DocumentedRest = "127.0.0.1:1500";

    [Fact]
    public async Task The_readme_curl_command_prints_the_documented_json()
    {
        var curls = fixture.QuickStart.Skip(1).ToList();
        Assert.NotEmpty(curls);
        foreach (var (command, expected) in curls)
        {
            Assert.StartsWith("curl ", command);
            var result = await Tool.RunAsync("bash", ["-c", command.Replace(DocumentedRest, fixture.Server.RestAddress, StringComparison.Ordinal)]);

            Assert.Equal(0, result.ExitCode);
            Assert.Equal(string.Join('\n', expected), result.StandardOutput.TrimEnd('\n'));
        }
    }

    [Fact]
    public async Task The_readme_csharp_client_snippet_prints_the_documented_output()
    {
        var block = Markdown.Blocks(Readme).Single(b => b.Language == "csharp" && b.Text.Contains("new Client(", StringComparison.Ordinal));
        Assert.Contains(DocumentedGrpc, block.Text);
        var expected = SnippetProgram.TrailingComments(block.Lines);
        Assert.NotEmpty(expected);

        var result = await SnippetProgram.RunAsync(block.Text.Replace(DocumentedGrpc, fixture.Server.GrpcAddress, StringComparison.Ordinal));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(string.Join('\n', expected), result.StandardOutput.TrimEnd('\n'));
    }

    [Fact]
    public void The_quick_start_serves_on_the_documented_default_addresses()
    {
        var serve = fixture.QuickStart[0].Command;

        Assert.Equal($"./serve.sh --servables servables --grpc {DocumentedGrpc} --rest {DocumentedRest}", serve);
        Assert.Contains($"listens on gRPC `{DocumentedGrpc}` and REST `{DocumentedRest}` by default", File.ReadAllText(Readme));
    }

    private static string Readme => RepoPaths.Combine("README.md");

    public sealed class Fixture : IAsyncLifetime
    {
        private ServerProcess? _server;

        /// <summary>The quick start's commands in order (<c>./serve.sh</c> first) and the output documented after each.</summary>
        public IReadOnlyList<(string Command, IReadOnlyList<string> Expected)> QuickStart { get; } = Markdown.Commands(
            Markdown.Blocks(Readme).First(b => b.Language == "sh" && b.Lines.Any(l => l.StartsWith("./serve.sh --", StringComparison.Ordinal))));

        public ServerProcess Server => _server ?? throw new InvalidOperationException("The server has not started.");

        public async Task InitializeAsync()
        {
            var serve = QuickStart[0].Command;
            Assert.StartsWith("./serve.sh ", serve);
            string grpc = $"127.0.0.1:{FreePort.Next()}", rest = $"127.0.0.1:{FreePort.Next()}";
            var arguments = serve.Replace(DocumentedGrpc, grpc, StringComparison.Ordinal).Replace(DocumentedRest, rest, StringComparison.Ordinal)
                .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..];
            // serve.sh installs what is missing and builds (nothing to do after the solution's build), then runs the server.
            _server = await ServerProcess.StartAsync(RepoPaths.Combine("serve.sh"), arguments, grpc, rest, RepoPaths.Root,
                TimeSpan.FromSeconds(300));
        }

        public async Task DisposeAsync()
        {
            if (_server is not null)
            {
                await _server.DisposeAsync();
            }
        }
    }
}

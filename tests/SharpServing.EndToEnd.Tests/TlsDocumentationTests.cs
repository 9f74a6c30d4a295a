using SharpServing.EndToEnd.Tests.Infrastructure;
using SharpServing.Tests.Shared;

namespace SharpServing.EndToEnd.Tests;

/// <summary>
/// docs/tls.md as a reader follows it: its openssl commands make the certificates, its serve commands start the real
/// server (ports swapped for free ones), and its curl, sharpserving infer and C# client examples run against it.
/// </summary>
public sealed class TlsDocumentationTests
{
    [Theory]
    [InlineData("serve", "clients", "program")]
    [InlineData("serve-mutual", "clients-mutual", "program-mutual")]
    public async Task The_tls_guide_works_as_written(string serve, string clients, string program)
    {
        var blocks = Markdown.Blocks(RepoPaths.Combine("docs", "tls.md")).Where(b => b.Marker?.StartsWith("tls ", StringComparison.Ordinal) == true)
            .ToDictionary(b => b.Marker!["tls ".Length..]);
        using var shell = new DocShell();
        await shell.RunAsync(blocks["certs"]);
        var command = Assert.Single(blocks[serve].Lines);
        Assert.StartsWith("sharpserving serve ", command);
        string grpc = $"127.0.0.1:{FreePort.Next()}", rest = $"127.0.0.1:{FreePort.Next()}";
        var arguments = command.Replace("127.0.0.1:5500", grpc, StringComparison.Ordinal).Replace("127.0.0.1:1500", rest, StringComparison.Ordinal)
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..];

        await using var server = await ServerProcess.StartAsync("dotnet", [RepoPaths.ServerDll, .. arguments], grpc, rest, shell.Folder);

        await shell.RunAsync(blocks[clients], grpc, rest);
        var snippet = blocks[program];
        var result = await SnippetProgram.RunAsync(snippet.Text.Replace("127.0.0.1:5500", grpc, StringComparison.Ordinal), shell.Folder);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(string.Join('\n', SnippetProgram.TrailingComments(snippet.Lines)), result.StandardOutput.TrimEnd('\n'));
    }
}

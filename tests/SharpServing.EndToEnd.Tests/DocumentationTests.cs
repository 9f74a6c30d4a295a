using Microsoft.CodeAnalysis;
using SharpServing.EndToEnd.Tests.Infrastructure;

namespace SharpServing.EndToEnd.Tests;

/// <summary>
/// Every marked example of docs/*.md runs: a block is marked by an HTML comment just above it,
/// <c>&lt;!-- test: KIND --&gt;</c>. Kinds: <c>shared</c> (shell commands against a server of the example servables),
/// <c>examples</c> (against the documentation's own servables, served from docs/examples/serving.json), <c>offline</c>
/// (shell commands, no server), <c>program</c> (a C# program against the shared server; its trailing comments are its
/// output), <c>plugin</c> (a C# plugin compiled and validated as a servable), <c>file PATH</c> (the block is an excerpt
/// of PATH, which other tests compile or run).
/// </summary>
[Collection(SharedServer.Collection)]
public sealed class DocumentationTests(SharedServer shared, ExamplesServer examples) : IClassFixture<ExamplesServer>
{
    public static TheoryData<string, int, string> MarkedBlocks()
    {
        var data = new TheoryData<string, int, string>();
        foreach (var file in Directory.GetFiles(RepoPaths.Combine("docs"), "*.md").Order(StringComparer.Ordinal))
        {
            // docs/tls.md's blocks ("tls ...") run in order with their own servers: TlsDocumentationTests.
            foreach (var block in Markdown.Blocks(file).Where(b => b.Marker is not null && !b.Marker.StartsWith("tls ", StringComparison.Ordinal)))
            {
                data.Add(Path.GetFileName(file), block.Line, block.Marker!);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(MarkedBlocks))]
    public async Task The_documented_example_works(string file, int line, string marker)
    {
        var block = Markdown.Blocks(RepoPaths.Combine("docs", file)).Single(b => b.Line == line);
        var kind = marker.Split(' ')[0];
        using var shell = new DocShell();
        switch (kind)
        {
            case "shared":
                await shell.RunAsync(block, shared.GrpcAddress, shared.RestAddress);
                break;
            case "examples":
                await shell.RunAsync(block, examples.Server.GrpcAddress, examples.Server.RestAddress);
                break;
            case "offline":
                await shell.RunAsync(block);
                break;
            case "program":
                var expected = SnippetProgram.TrailingComments(block.Lines);
                var result = await SnippetProgram.RunAsync(block.Text.Replace("127.0.0.1:5500", shared.GrpcAddress, StringComparison.Ordinal)
                    .Replace("127.0.0.1:1500", shared.RestAddress, StringComparison.Ordinal));
                Assert.True(result.ExitCode == 0, $"{block}: {result}");
                Assert.Equal(string.Join('\n', expected), result.StandardOutput.TrimEnd('\n'));
                break;
            case "plugin":
                await ValidatePluginAsync(block, shell.Folder);
                break;
            case "file":
                var path = marker[(kind.Length + 1)..].Trim();
                var text = await File.ReadAllTextAsync(RepoPaths.Combine(path));
                Assert.True(text.Contains(block.Text, StringComparison.Ordinal), $"{block} is not an excerpt of {path}:\n{block.Text}");
                break;
            default:
                Assert.Fail($"{block}: unknown test marker '{marker}'.");
                break;
        }
    }

    [Fact]
    public void Every_csx_listing_of_the_guides_is_marked_as_a_file_excerpt()
    {
        foreach (var file in Directory.GetFiles(RepoPaths.Combine("docs"), "*.md"))
        {
            foreach (var block in Markdown.Blocks(file).Where(b => b.Language == "csharp" && b.Marker is null))
            {
                Assert.Fail($"{block}: a C# block without a test marker.");
            }
        }
    }

    [Fact]
    public async Task The_configuration_file_serves_the_versions_it_names()
    {
        // Printed after the startup lines.
        await examples.Server.WaitForLineAsync("Serving: servable stages version 2 available", TimeSpan.FromSeconds(30));
        await examples.Server.WaitForLineAsync("Serving: servable batching version 1 available", TimeSpan.FromSeconds(30));
    }

    [Theory]
    [InlineData("stages")]
    [InlineData("batching")]
    public async Task Each_example_servable_validates(string name)
    {
        var result = await Tool.SharpServingAsync(["validate", Path.Combine(examples.Folder, "servables", name)]);

        Assert.True(result.ExitCode == 0, result.ToString());
    }

    /// <summary>Compiles the plugin class against the SDK into plugin/, next to the add model, and validates the folder.</summary>
    private static async Task ValidatePluginAsync(Markdown.CodeBlock block, string folder)
    {
        var servable = Directory.CreateDirectory(Path.Combine(folder, "plugin_servables", "my_add")).FullName;
        Directory.CreateDirectory(Path.Combine(servable, "1"));
        File.Copy(RepoPaths.Installed(RepoPaths.Combine("servables", "add", "1", "tensor_add.onnx")), Path.Combine(servable, "1", "tensor_add.onnx"));
        var plugin = Directory.CreateDirectory(Path.Combine(servable, "plugin")).FullName;
        SnippetProgram.Compile(block.Text, plugin, "MyAdd", OutputKind.DynamicallyLinkedLibrary);

        var result = await Tool.SharpServingAsync(["validate", servable]);

        Assert.True(result.ExitCode == 0, $"{block}: {result}");
        Assert.Contains("method add_common(x1, x2) -> y", result.StandardOutput);
    }
}

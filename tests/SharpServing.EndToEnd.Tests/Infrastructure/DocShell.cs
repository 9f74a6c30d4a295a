namespace SharpServing.EndToEnd.Tests.Infrastructure;

/// <summary>
/// Runs the shell commands of a documentation block as a reader would, from a folder that looks like the repository
/// root (links to its folders) but keeps what the commands write; <c>sharpserving</c> is the host the solution built,
/// and the documented default addresses are swapped for the test server's.
/// </summary>
internal sealed class DocShell : IDisposable
{
    private static readonly string[] s_linked = ["docs", "host", "sdk", "servables", "tools", "scripts", "serve.sh", "README.md"];
    private readonly TempDirectory _folder = new("ss-docshell-");

    public DocShell()
    {
        foreach (var entry in s_linked)
        {
            File.CreateSymbolicLink(_folder.Combine(entry), RepoPaths.Combine(entry));
        }
    }

    public string Folder => _folder.Path;

    /// <summary>Runs each command of <paramref name="block"/> in turn; each must exit 0 and print exactly what the block documents after it.</summary>
    public async Task RunAsync(Markdown.CodeBlock block, string? grpcAddress = null, string? restAddress = null)
    {
        var commands = Markdown.Commands(block);
        Assert.NotEmpty(commands);
        foreach (var (command, expected) in commands)
        {
            var text = command;
            if (grpcAddress is not null)
            {
                text = text.Replace("127.0.0.1:5500", grpcAddress, StringComparison.Ordinal);
            }
            if (restAddress is not null)
            {
                text = text.Replace("127.0.0.1:1500", restAddress, StringComparison.Ordinal);
            }
            var script = $"sharpserving() {{ dotnet '{RepoPaths.ServerDll}' \"$@\"; }}\npython3() {{ {RepoPaths.Python} \"$@\"; }}\nset -o pipefail\n{text}\n";
            var result = await Tool.RunAsync("bash", ["-c", script], Folder, TimeSpan.FromSeconds(120));

            Assert.True(result.ExitCode == 0, $"{block}: '{command}' failed: {result}");
            if (expected.Count > 0)
            {
                Assert.True(string.Join('\n', expected) == result.StandardOutput.TrimEnd('\n'),
                    $"{block}: '{command}' printed\n{result.StandardOutput}\nbut the documentation says\n{string.Join('\n', expected)}");
            }
        }
    }

    public void Dispose() => _folder.Dispose();
}

using SharpServing.EndToEnd.Tests.Infrastructure;

namespace SharpServing.EndToEnd.Tests;

/// <summary>
/// The documentation's example servables served from a JSON configuration file, as docs/configuration.md says:
/// docs/examples/serving.json next to a copy of docs/examples/servables/ whose models docs/examples/make-models.sh wrote.
/// </summary>
public sealed class ExamplesServer : IAsyncLifetime
{
    private readonly TempDirectory _folder = new("ss-examples-");
    private ServerProcess? _server;

    public ServerProcess Server => _server ?? throw new InvalidOperationException("The server has not started.");

    public string Folder => _folder.Path;

    public async Task InitializeAsync()
    {
        var servables = _folder.Combine("servables");
        CopyDirectory(RepoPaths.Combine("docs", "examples", "servables"), servables);
        var models = await Tool.RunAsync(RepoPaths.Combine("docs", "examples", "make-models.sh"), [servables]);
        Assert.True(models.ExitCode == 0, models.ToString());
        File.Copy(RepoPaths.Combine("docs", "examples", "serving.json"), _folder.Combine("serving.json"));
        _server = await ServerProcess.ServeAsync(["--config", _folder.Combine("serving.json")]);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        _folder.Dispose();
    }

    private static void CopyDirectory(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (var file in Directory.GetFiles(source))
        {
            File.Copy(file, Path.Combine(destination, Path.GetFileName(file)));
        }
        foreach (var directory in Directory.GetDirectories(source))
        {
            var name = Path.GetFileName(directory);
            // Models written into the documentation's own folders by make-models.sh are not copied: they are made here.
            if (!name.All(char.IsAsciiDigit))
            {
                CopyDirectory(directory, Path.Combine(destination, name));
            }
        }
    }
}

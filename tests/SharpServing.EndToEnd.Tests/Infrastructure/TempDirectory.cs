namespace SharpServing.EndToEnd.Tests.Infrastructure;

/// <summary>A temp folder deleted on dispose.</summary>
public sealed class TempDirectory(string prefix = "ss-e2e-") : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory(prefix).FullName;

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}

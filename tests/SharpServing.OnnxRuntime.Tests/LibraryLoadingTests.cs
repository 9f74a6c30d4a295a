namespace SharpServing.OnnxRuntime.Tests;

/// <summary>How the native library is found: each case runs in a child process (resolution happens once per process).</summary>
public sealed class LibraryLoadingTests
{
    private static string NativeFolder => Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");

    [Fact]
    public async Task The_package_library_in_the_build_output_is_found_without_configuration()
    {
        Assert.True(File.Exists(Path.Combine(NativeFolder, "libonnxruntime.so")), $"The build did not copy the ONNX Runtime package's libonnxruntime.so to {NativeFolder}.");

        var (exitCode, output) = await ProbeAsync(typeof(Probe).Assembly.Location);

        Assert.Equal(0, exitCode);
        Assert.StartsWith("version 1.32", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_the_library_the_error_names_the_package_to_restore()
    {
        // A copy of the test output without the native libraries, so the package's resolution finds nothing.
        using var temp = new TempFolder();
        foreach (var file in Directory.GetFiles(AppContext.BaseDirectory))
        {
            File.Copy(file, Path.Combine(temp.Path, Path.GetFileName(file)));
        }

        var (exitCode, output) = await ProbeAsync(Path.Combine(temp.Path, Path.GetFileName(typeof(Probe).Assembly.Location)));

        Assert.Equal(1, exitCode);
        Assert.StartsWith("OrtException Fail: The ONNX Runtime native library could not be loaded", output, StringComparison.Ordinal);
        Assert.Contains("Microsoft.ML.OnnxRuntime", output, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output)> ProbeAsync(string assembly)
    {
        var (exitCode, stdout, stderr) = await ChildProcess.DotnetExecAsync(assembly, ["probe"]);
        return (exitCode, stdout.Length > 0 ? stdout : stderr);
    }
}

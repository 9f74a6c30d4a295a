namespace SharpServing.OnnxRuntime.Tests;

/// <summary>How the native library is found: each case runs in a child process (resolution happens once per process).</summary>
public sealed class LibraryLoadingTests
{
    [Fact]
    public async Task The_library_next_to_the_assemblies_is_found_without_configuration()
    {
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "libonnxruntime.so")), "The build did not copy libonnxruntime.so next to the test assembly.");

        var (exitCode, output) = await ProbeAsync(libraryPath: null);

        Assert.Equal(0, exitCode);
        Assert.StartsWith("version 1.30", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SHARPSERVING_ORT_LIBRARY_names_the_library_to_load()
    {
        var cached = Path.Combine(TestPaths.Cache, "onnxruntime", "libonnxruntime.so.1");
        Assert.True(File.Exists(cached), $"{cached} is missing: run ./test.sh to install ONNX Runtime.");

        var (exitCode, output) = await ProbeAsync(cached);

        Assert.Equal(0, exitCode);
        Assert.StartsWith("version 1.30", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_SHARPSERVING_ORT_LIBRARY_fails_with_a_message_that_says_how_to_install()
    {
        using var temp = new TempFolder();
        var missing = temp.File("libonnxruntime.so.1");

        var (exitCode, output) = await ProbeAsync(missing);

        Assert.Equal(1, exitCode);
        Assert.StartsWith("OrtException Fail: The ONNX Runtime native library could not be loaded.", output, StringComparison.Ordinal);
        Assert.Contains($"SHARPSERVING_ORT_LIBRARY={missing}", output, StringComparison.Ordinal);
        Assert.Contains("./test.sh or ./serve.sh", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_any_library_the_error_lists_every_place_tried()
    {
        // A copy of the test output without the library, so only the system search is left (and finds nothing).
        using var temp = new TempFolder();
        foreach (var file in Directory.GetFiles(AppContext.BaseDirectory).Where(f => !Path.GetFileName(f).StartsWith("libonnxruntime", StringComparison.Ordinal)))
        {
            File.Copy(file, Path.Combine(temp.Path, Path.GetFileName(file)));
        }

        var (exitCode, stdout, _) = await ChildProcess.DotnetExecAsync(Path.Combine(temp.Path, Path.GetFileName(typeof(Probe).Assembly.Location)), ["probe"], new Dictionary<string, string?> { ["SHARPSERVING_ORT_LIBRARY"] = null });

        Assert.Equal(1, exitCode);
        Assert.Contains($"{Path.Combine(temp.Path, "libonnxruntime.so")} (not found)", stdout, StringComparison.Ordinal);
        Assert.Contains("libonnxruntime.so.1 on the system's library path (not found)", stdout, StringComparison.Ordinal);
        Assert.Contains("set SHARPSERVING_ORT_LIBRARY", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_library_that_is_not_onnx_runtime_is_named_in_the_error()
    {
        var libz = new[] { "/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1" }.FirstOrDefault(File.Exists);
        Assert.NotNull(libz);

        var (exitCode, output) = await ProbeAsync(libz);

        Assert.Equal(1, exitCode);
        Assert.Contains("has no OrtGetApiBase symbol", output, StringComparison.Ordinal);
        Assert.Contains(libz, output, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output)> ProbeAsync(string? libraryPath)
    {
        var (exitCode, stdout, stderr) = await ChildProcess.DotnetExecAsync(
            typeof(Probe).Assembly.Location, ["probe"], new Dictionary<string, string?> { ["SHARPSERVING_ORT_LIBRARY"] = libraryPath });
        return (exitCode, stdout.Length > 0 ? stdout : stderr);
    }
}

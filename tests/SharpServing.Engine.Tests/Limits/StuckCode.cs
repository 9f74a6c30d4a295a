namespace SharpServing.Engine.Tests.Limits;

/// <summary>
/// Scripts whose code does not return until the test lets it: it waits for a release file. A .NET thread cannot be
/// stopped, so the test releases the code when it ends; nothing keeps running after it.
/// </summary>
internal sealed class StuckCode : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("sharpserving-stuck-").FullName;

    public string ReleaseFile => Path.Combine(_directory, "release");

    /// <summary>Written by <see cref="StuckConfiguration"/> when its code starts: the load is past compiling.</summary>
    public string StartedFile => Path.Combine(_directory, "started");

    /// <summary>Whether the configuration code of <see cref="StuckConfiguration"/> runs (it got past compiling).</summary>
    public bool ConfigurationStarted => File.Exists(StartedFile);

    /// <summary>A script whose top-level code loops (at configuration time) until released, then registers <c>echo</c>.</summary>
    public string StuckConfiguration => $$"""
        File.WriteAllText(@"{{StartedFile}}", "");
        while (!File.Exists(@"{{ReleaseFile}}"))
        {
            Thread.Sleep(5);
        }
        RegisterMethod("echo", outputs: ["y"], x => AddStage(Echo, x));
        Tensor Echo(Tensor x) => x;
        """;

    /// <summary>
    /// A servable without models: <c>spin</c> (time limit 500 ms at registration) and <c>spin_default</c> (no limit of
    /// its own) loop until released; <c>echo</c> answers at once; <c>fail</c> always throws.
    /// </summary>
    public string StageScript => $$"""
        RegisterMethod("spin", outputs: ["y"], x => AddStage(Spin, x), timeout: TimeSpan.FromMilliseconds(500));
        RegisterMethod("spin_default", outputs: ["y"], x => AddStage(Spin, x));
        RegisterMethod("echo", outputs: ["y"], x => AddStage(Echo, x));
        RegisterMethod("fail", outputs: ["y"], x => AddStage(Fail, x));
        Tensor Spin(Tensor x)
        {
            while (!File.Exists(@"{{ReleaseFile}}"))
            {
                Thread.Sleep(5);
            }
            return x;
        }
        Tensor Echo(Tensor x) => x;
        Tensor Fail(Tensor x) => throw new InvalidOperationException("the stage is broken");
        """;

    /// <summary>Lets every stuck piece of code return.</summary>
    public void Release() => File.WriteAllText(ReleaseFile, "");

    public void Dispose()
    {
        Release();
        Directory.Delete(_directory, recursive: true);
    }
}

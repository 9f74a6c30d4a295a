using SharpServing.Engine;

namespace SharpServing.Benchmark;

/// <summary>What every scenario shares: the repository, the server to start, load settings, the report, temp folders.</summary>
internal sealed class BenchContext : IDisposable
{
    private readonly List<string> _temporary = [];
    private readonly Lazy<string> _repoRoot;
    private readonly Lazy<string> _serverDll;

    public BenchContext(CommandLine line, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(line);
        Line = line;
        CancellationToken = cancellationToken;
        var repo = line.Value("repo");
        var server = line.Value("server");
        _repoRoot = new Lazy<string>(() => Path.GetFullPath(repo ?? FindRepoRoot()));
        _serverDll = new Lazy<string>(() => Path.GetFullPath(server ?? Path.Combine(RepoRoot, "host/SharpServing.Host/bin/Release/net10.0/sharpserving.dll")));
        Connections = line.Int("connections", 1, 1, 1024);
        Report = new Report(line.Flag("json"));
        ChildProcess.Verbose = line.Flag("verbose-server");
    }

    public CommandLine Line { get; }

    public CancellationToken CancellationToken { get; }

    /// <summary>The repository (<c>--repo</c>, or the folder above the working directory holding SharpServing.slnx).</summary>
    public string RepoRoot => _repoRoot.Value;

    /// <summary>The server to start (<c>--server</c>, or the Release build of the host in the repository).</summary>
    public string ServerDll => _serverDll.Value;

    public int Connections { get; }

    /// <summary>
    /// Session options for the models run in process: the thread settings a servable's model gets by default (ORT's
    /// thread counts, no spinning), or spinning with <c>--spin</c> (which the batching scenario also gives its servables).
    /// </summary>
    public ModelSessionOptions SessionOptions => new() { AllowSpinning = Line.Flag("spin") };

    public Report Report { get; }

    /// <summary>A new servables folder holding copies of the named example servables (config and version folders).</summary>
    public string ServablesWith(params string[] servables)
    {
        var folder = NewTempFolder();
        foreach (var name in servables)
        {
            var source = Path.Combine(RepoRoot, "servables", name);
            if (!Directory.Exists(source))
            {
                throw new UsageException($"no servable at {source}");
            }
            CopyDirectory(source, Path.Combine(folder, name));
        }
        return folder;
    }

    public string NewTempFolder()
    {
        var folder = Directory.CreateTempSubdirectory("sharpserving-bench-").FullName;
        _temporary.Add(folder);
        return folder;
    }

    /// <summary>Starts the server over <paramref name="servablesFolder"/>, unless the command line names a running one.</summary>
    public async Task<ServerTarget> ServerAsync(Func<string> servablesFolder)
    {
        ArgumentNullException.ThrowIfNull(servablesFolder);
        return ServerTarget.Existing(Line) ?? await ServerTarget.StartAsync(ServerDll, servablesFolder(), CancellationToken);
    }

    /// <summary>
    /// With <c>--isolation process</c>: a second server over <paramref name="servablesFolder"/> whose servables run in worker
    /// processes (docs/isolation.md), loaded right after the in-process one row by row; otherwise null.
    /// </summary>
    public async Task<ServerTarget?> WorkerServerAsync(Func<string> servablesFolder)
    {
        ArgumentNullException.ThrowIfNull(servablesFolder);
        return Line.Value("isolation") switch
        {
            null => null,
            "process" => await ServerTarget.StartAsync(ServerDll, servablesFolder(), CancellationToken, ["--isolation", "process"]),
            var other => throw new UsageException($"--isolation takes 'process', not '{other}'"),
        };
    }

    public Task<LoadResult> RunAsync(string scenario, string target, ILoadClient client, int concurrency, int instances,
        int? pid, string? probe, LoadResult? limit = null)
    {
        return RunCoreAsync();

        async Task<LoadResult> RunCoreAsync()
        {
            var settings = LoadSettings.From(Line, concurrency);
            var row = await LoadRunner.RunAsync(scenario, target, client, settings, instances, pid, probe, CancellationToken);
            if (client is GrpcLoadClient)
            {
                row = row with { Connections = Connections };
            }
            return Report.Add(Report.WithLimit(row, limit));
        }
    }

    public void Dispose()
    {
        foreach (var folder in _temporary)
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException ex)
            {
                Console.Error.WriteLine($"could not remove {folder}: {ex.Message}");
            }
        }
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SharpServing.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new UsageException("run from inside the repository, or pass --repo DIR");
    }

    private static void CopyDirectory(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }
        foreach (var dir in Directory.EnumerateDirectories(source))
        {
            var name = Path.GetFileName(dir);
            if (name is not ("bin" or "obj"))
            {
                CopyDirectory(dir, Path.Combine(target, name));
            }
        }
    }
}

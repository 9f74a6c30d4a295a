using System.Collections.Frozen;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using SharpServing.Engine.Isolation;
using SharpServing.Engine.Loading;

namespace SharpServing.Engine;

/// <summary>
/// One loaded version of a servable: its methods (traced from the configuration), its models with open sessions, its
/// executor, and the collectible load context its configuration code lives in. Immutable once published; a reload
/// builds a new one. Disposing drains the executor, closes the sessions and unloads the context.
/// </summary>
public sealed class ServableVersion : IAsyncDisposable
{
    private readonly WeakReference _loadContextReference;
    private IReadOnlyDictionary<string, MethodDefinition> _methods;
    private IReadOnlyList<LoadedModel> _models;
    private ServableCode? _code;
    private int _disposed;

    internal ServableVersion(string name, long number, string directory, IReadOnlyList<MethodDefinition> methods,
        IReadOnlyList<LoadedModel> models, ServableCode? code, ExecutionOptions executionOptions,
        TimeProvider? timeProvider, ILoggerFactory? loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(methods);
        ArgumentNullException.ThrowIfNull(models);
        Name = name;
        Number = number;
        Directory = directory;
        _methods = methods.ToFrozenDictionary(m => m.Name, StringComparer.Ordinal);
        _models = models;
        _code = code;
        _loadContextReference = new WeakReference(code?.LoadContext);
        // Last: the executor reads the methods and models of this version.
        Executor = new ServableExecutor(this, executionOptions, timeProvider, loggerFactory);
    }

    /// <summary>A version that runs in a worker process: its methods' stages stay in the worker.</summary>
    internal ServableVersion(string name, IsolatedVersion isolated, ExecutionOptions executionOptions, TimeProvider? timeProvider, ILoggerFactory? loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(isolated);
        Name = name;
        Number = isolated.Number;
        Directory = isolated.Directory;
        _methods = isolated.Methods.ToFrozenDictionary(m => m.Name, StringComparer.Ordinal);
        _models = [];
        _loadContextReference = new WeakReference(null);
        Worker = isolated.Process;
        Executor = new ServableExecutor(this, executionOptions, timeProvider, loggerFactory);
    }

    /// <summary>The worker process this version runs in; null for a version in process.</summary>
    public IVersionProcess? Worker { get; }

    /// <summary>The servable's name (its folder name).</summary>
    public string Name { get; }

    /// <summary>The version number (its folder name; 1 for a servable without models and without version folders).</summary>
    public long Number { get; }

    /// <summary>The version folder (may not exist for a servable without models).</summary>
    public string Directory { get; }

    /// <summary>The registered methods by name. Empty once disposed.</summary>
    public IReadOnlyDictionary<string, MethodDefinition> Methods => _methods;

    /// <summary>The declared models with their sessions, in declaration order. Empty once disposed.</summary>
    public IReadOnlyList<LoadedModel> Models => _models;

    /// <summary>The memory this version is counted with against the loaded-memory budget: the size of the files in its
    /// version folder (0 when it has none). Set before it is published.</summary>
    public long MemoryBytes { get; internal set; }

    /// <summary>When a request last resolved this version (UTC ticks; its publication until then). Kept only while
    /// servables load on demand: the least recently used idle version is the first to unload when memory is short.</summary>
    internal long LastUsedTicks;

    /// <summary>Runs the methods of this version.</summary>
    public ServableExecutor Executor { get; }

    /// <summary>The version's load context, weakly: after disposal and a few GCs it must be collected.</summary>
    public WeakReference LoadContextReference => _loadContextReference;

    /// <summary>Drains and stops the executor, closes the sessions, drops every reference into the load context and
    /// unloads it. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await Executor.DisposeAsync();
        ReleaseAndUnload();
    }

    // Synchronous and out of line on purpose: a local of an async method lives in its state machine box, and a box can
    // outlive the call (an idle thread-pool thread may still hold the last work item it ran). The box of DisposeAsync
    // must hold nothing but this version, which by then references nothing inside the load context.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ReleaseAndUnload()
    {
        var models = _models;
        _models = [];
        _methods = FrozenDictionary<string, MethodDefinition>.Empty;
        foreach (var model in models)
        {
            model.Dispose();
        }
        var code = _code;
        _code = null;
        code?.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} version {Number}";
}

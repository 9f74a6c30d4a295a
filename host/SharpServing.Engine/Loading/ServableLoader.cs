using System.Diagnostics;
using System.Reflection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SharpServing.Engine.Configuration;
using SharpServing.Engine.Isolation;
using SharpServing.Engine.Repository;

namespace SharpServing.Engine.Loading;

/// <summary>
/// Builds one <see cref="ServableVersion"/>: reads the servable folder, picks the version, creates the version's
/// collectible load context, runs its configuration (compiled script or plugin) against a <see cref="ServableBuilder"/>
/// that opens the model sessions as models are declared, then creates the executor. On failure everything taken is
/// released and the context unloaded; the error is a <see cref="ServableLoadException"/> carrying text only.
/// </summary>
internal sealed class ServableLoader
{
    private readonly Func<string, ScriptCache> _cacheFor;
    private readonly IModelRuntime _runtime;
    private readonly TimeProvider _timeProvider;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly IsolationOptions? _isolationOptions;
    private readonly IServableIsolation? _isolation;
    private int _compilations;

    /// <summary>A loader; <paramref name="cacheFor"/> gives the script cache of a servables root, <paramref name="runtime"/> opens the models.</summary>
    public ServableLoader(Func<string, ScriptCache> cacheFor, IModelRuntime runtime, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null,
        IsolationOptions? isolationOptions = null, IServableIsolation? isolation = null)
    {
        _isolationOptions = isolationOptions;
        _isolation = isolation;
        ArgumentNullException.ThrowIfNull(runtime);
        _cacheFor = cacheFor;
        _runtime = runtime;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger("SharpServing.Engine.Loading");
    }

    /// <summary>Scripts compiled (cache misses) by this loader.</summary>
    public int Compilations => Volatile.Read(ref _compilations);

    /// <summary>Loads the version <paramref name="config"/> names (0: the highest version folder).</summary>
    /// <exception cref="ServableLoadException">The version cannot be loaded; the message says why.</exception>
    public Task<ServableVersion> LoadAsync(ServableStartConfig config, ExecutionOptions executionOptions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(executionOptions);
        if (_isolationOptions?.ModeOf(config.ServableName) == IsolationMode.Process)
        {
            return LoadInWorkerAsync(config, executionOptions, cancellationToken);
        }
        cancellationToken.ThrowIfCancellationRequested();
        // Compiling, running the configuration and opening sessions are CPU work, and configuration code may never return
        // (a script's top-level code cannot be stopped): each load has a thread of its own, never a pool thread, so a
        // stuck load can be abandoned without starving anything, and a background thread does not hold the process.
        var loaded = new TaskCompletionSource<ServableVersion>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                loaded.TrySetResult(Load(config, executionOptions, cancellationToken));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                loaded.TrySetCanceled(cancellationToken);
            }
            catch (Exception ex)
            {
                loaded.TrySetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = $"load {config.ServableName}",
        };
        thread.Start();
        return loaded.Task;
    }

    private async Task<ServableVersion> LoadInWorkerAsync(ServableStartConfig config, ExecutionOptions executionOptions, CancellationToken cancellationToken)
    {
        var isolation = _isolation ?? throw new ServableLoadException(config.ServableName, config.VersionNumber,
            $"Start servable failed, servable '{config.ServableName}' is configured to run in a worker process, but this host cannot start workers");
        var started = Stopwatch.GetTimestamp();
        var isolated = await isolation.StartAsync(config, cancellationToken);
        try
        {
            var version = new ServableVersion(config.ServableName, isolated, executionOptions, _timeProvider, _loggerFactory);
            var elapsedMs = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            LoaderLog.VersionLoaded(_logger, config.ServableName, isolated.Number, "worker", 0, isolated.Methods.Count, elapsedMs, 0);
            return version;
        }
        catch
        {
            await isolated.Process.DisposeAsync();
            throw;
        }
    }

    private ServableVersion Load(ServableStartConfig config, ExecutionOptions executionOptions, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var name = config.ServableName;
        var root = config.ResolvedServableDirectory;
        var layout = ServableRepository.Inspect(root, name);
        var servableDevice = CheckDevice(config, _runtime);
        var (number, missingVersionMessage) = ChooseVersion(layout, config.VersionNumber);
        var versionDirectory = layout.VersionDirectory(number);
        cancellationToken.ThrowIfCancellationRequested();

        var code = layout.ConfigKind == ServableConfigKind.Script ? ServableCode.ForScript($"{name}/{number}") : OpenPlugin(layout, number);
        using var sessions = new ModelSessions(_runtime, name, number, versionDirectory, missingVersionMessage, servableDevice, config.DeviceIds,
            config.DecKey, config.DecMode);
        IReadOnlyList<LoadedModel>? models = null;
        try
        {
            var builder = new ServableBuilder(name, number, versionDirectory, sessions.Describe);
            if (layout.ConfigKind == ServableConfigKind.Script)
            {
                RunScript(layout, number, code, builder, root, cancellationToken);
            }
            else
            {
                RunPlugin(layout, number, code, builder);
            }
            cancellationToken.ThrowIfCancellationRequested();
            models = sessions.TakeLoadedModels(builder.Models);
            var methods = builder.Methods;
            ServableVersion version;
            try
            {
                version = new ServableVersion(name, number, versionDirectory, methods, models, code, executionOptions, _timeProvider, _loggerFactory);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Text only: the exception may reference the version's methods, hence its load context.
                throw new ServableLoadException(name, number, ex is ServableConfigurationException or ServableLoadException
                    ? ex.Message
                    : $"Start servable failed, servable '{name}' version {number}: {ex.Message}");
            }
            var kind = layout.ConfigKind == ServableConfigKind.Script ? "script" : "plugin";
            var elapsedMs = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            var sessionMs = (long)sessions.OpenTime.TotalMilliseconds;
            LoaderLog.VersionLoaded(_logger, name, number, kind, models.Count, methods.Count, elapsedMs, sessionMs);
            return version;
        }
        catch
        {
            if (models is not null)
            {
                foreach (var model in models)
                {
                    model.Dispose();
                }
            }
            code.Dispose();
            throw;
        }
    }

    private static DeviceType CheckDevice(ServableStartConfig config, IModelRuntime runtime)
    {
        switch (config.DeviceType)
        {
            case null:
            case "CPU":
                return DeviceType.Cpu;
            case "GPU":
                if (runtime.DeviceUnavailableReason(DeviceType.Gpu) is { } reason)
                {
                    throw new ServableLoadException(config.ServableName, 0,
                        $"The device type 'GPU' of servable name {config.ServableName} is inconsistent with current running environment, {reason}");
                }
                return DeviceType.Gpu;
            default:
                throw new ServableLoadException(config.ServableName, 0,
                    $"The device type '{config.DeviceType}' of servable name {config.ServableName} is inconsistent with current running environment, "
                    + "this server runs models on CPU, or GPU with the CUDA execution provider");
        }
    }

    /// <summary>The version number to load, and the error a model declaration raises when its folder does not exist.</summary>
    private static (long Number, string? MissingVersionMessage) ChooseVersion(ServableLayout layout, long requested)
    {
        var noValidVersion =
            $"There is no valid version directory of models while there are models declared in {layout.ConfigPath}, "
            + $"servable '{layout.Name}' needs a version folder such as '{layout.VersionDirectory(1)}'";
        if (requested == 0)
        {
            // A servable without models needs no version folder: it registers as version 1.
            return layout.Versions.Count == 0 ? (1, noValidVersion) : (layout.Versions[^1], null);
        }
        if (layout.Versions.Contains(requested))
        {
            return (requested, null);
        }
        var missing = $"Start servable failed: There is no specified version directory of models, specified version number: {requested}, "
            + $"servable '{layout.Name}' has {(layout.Versions.Count == 0 ? "no version folder" : $"versions [{string.Join(", ", layout.Versions)}]")}";
        if (requested == 1 && layout.Versions.Count == 0)
        {
            return (1, missing);
        }
        throw new ServableLoadException(layout.Name, requested, missing);
    }

    private void RunScript(ServableLayout layout, long number, ServableCode code, ServableBuilder builder, string root, CancellationToken cancellationToken)
    {
        var path = layout.ConfigPath;
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ServableLoadException(layout.Name, number, $"Check servable config failed, file '{path}' cannot be read: {ex.Message}");
        }
        var cache = _cacheFor(root);
        var compiled = Compile(cache, layout, number, text, cancellationToken);
        Assembly assembly;
        try
        {
            assembly = LoadScriptAssembly(code, compiled);
        }
        catch (BadImageFormatException) when (compiled.FromCache)
        {
            cache.Evict(path, text);
            compiled = Compile(cache, layout, number, text, cancellationToken);
            assembly = LoadScriptAssembly(code, compiled);
        }
        var factory = FindFactory(assembly)
            ?? throw new ServableLoadException(layout.Name, number, $"Compile servable config failed, file '{path}': the compiled script has no entry point");
        cancellationToken.ThrowIfCancellationRequested();
        RunConfiguration(layout, number, () =>
        {
            // Slot 0: the globals; slot 1: the script's own submission object.
            var submissions = new object?[] { builder, null };
            var task = (Task)factory.Invoke(null, [submissions])!;
            task.GetAwaiter().GetResult();
        });
    }

    private CompiledScript Compile(ScriptCache cache, ServableLayout layout, long number, string text, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        CompiledScript compiled;
        string? cacheWarning;
        try
        {
            compiled = cache.GetOrCompile(layout.ConfigPath, text, out cacheWarning, cancellationToken);
        }
        catch (ScriptCompilationException ex)
        {
            throw new ServableLoadException(layout.Name, number,
                $"Compile servable config failed, servable '{layout.Name}', file '{layout.ConfigPath}':{Environment.NewLine}{ex.Message}");
        }
        if (cacheWarning is not null)
        {
            LoaderLog.CacheProblem(_logger, cacheWarning);
        }
        if (compiled.FromCache)
        {
            LoaderLog.ScriptFromCache(_logger, layout.Name, number);
        }
        else
        {
            Interlocked.Increment(ref _compilations);
            var elapsedMs = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            LoaderLog.ScriptCompiled(_logger, layout.Name, number, elapsedMs);
            foreach (var warning in compiled.Warnings)
            {
                LoaderLog.ScriptWarning(_logger, layout.Name, warning);
            }
        }
        return compiled;
    }

    private static Assembly LoadScriptAssembly(ServableCode code, CompiledScript compiled)
    {
        using var assembly = new MemoryStream(compiled.Assembly, writable: false);
        using var pdb = compiled.Pdb is null ? null : new MemoryStream(compiled.Pdb, writable: false);
        return code.LoadContext.LoadFromStream(assembly, pdb);
    }

    /// <summary>The script's <c>&lt;Factory&gt;(object[])</c>: a static method of the script class (the emitted assembly has no
    /// entry point in its header; Roslyn's compilation knows it, but a cached assembly is loaded without Roslyn).</summary>
    private static MethodInfo? FindFactory(Assembly assembly)
        => assembly.GetTypes()
            .Where(t => !t.IsNested)
            .Select(t => t.GetMethod("<Factory>", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static, [typeof(object[])]))
            .FirstOrDefault(m => m is not null);

    /// <summary>The plugin's load context; nothing of the plugin is loaded yet.</summary>
    private static ServableCode OpenPlugin(ServableLayout layout, long number)
    {
        try
        {
            return ServableCode.ForPlugin(layout.ConfigPath);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            throw new ServableLoadException(layout.Name, number,
                $"Check servable config failed, plugin '{layout.ConfigPath}' cannot be loaded: {ex.Message}");
        }
    }

    private static void RunPlugin(ServableLayout layout, long number, ServableCode code, ServableBuilder builder)
    {
        var path = layout.ConfigPath;
        RunConfiguration(layout, number, () =>
        {
            Assembly assembly;
            try
            {
                assembly = code.LoadPluginAssembly();
            }
            catch (BadImageFormatException ex)
            {
                throw new ServableLoadException(layout.Name, number, $"Check servable config failed, plugin '{path}' is not a .NET assembly: {ex.Message}");
            }
            var types = assembly.GetExportedTypes()
                .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IServableConfigurator).IsAssignableFrom(t))
                .ToList();
            if (types.Count != 1)
            {
                throw new ServableLoadException(layout.Name, number, types.Count == 0
                    ? $"Check servable config failed, plugin '{path}' has no public class implementing {typeof(IServableConfigurator).FullName}"
                    : $"Check servable config failed, plugin '{path}' has {types.Count} classes implementing {typeof(IServableConfigurator).FullName} "
                        + $"({string.Join(", ", types.Select(t => t.FullName))}); keep one");
            }
            if (types[0].GetConstructor(Type.EmptyTypes) is null)
            {
                throw new ServableLoadException(layout.Name, number,
                    $"Check servable config failed, plugin class {types[0].FullName} in '{path}' needs a public parameterless constructor");
            }
            var configurator = (IServableConfigurator)Activator.CreateInstance(types[0])!;
            configurator.Configure(builder);
        });
    }

    /// <summary>
    /// Runs configuration code of the version's context. Its exceptions are turned into text here and dropped: an exception
    /// thrown through collectible code keeps that code's load context alive.
    /// </summary>
    private static void RunConfiguration(ServableLayout layout, long number, Action configure)
    {
        string? failure = null;
        try
        {
            configure();
        }
        catch (Exception ex)
        {
            failure = Describe(layout, ex);
        }
        if (failure is not null)
        {
            throw new ServableLoadException(layout.Name, number, failure);
        }
    }

    private static string Describe(ServableLayout layout, Exception exception)
    {
        var ex = exception;
        while (ex is TargetInvocationException or AggregateException && ex.InnerException is not null)
        {
            ex = ex.InnerException;
        }
        if (ex is ServableLoadException)
        {
            return ex.Message;
        }
        var where = ConfigLocation(layout, ex);
        var what = ex is ServableConfigurationException ? ex.Message : $"{ex.GetType().FullName}: {ex.Message}";
        return $"Start servable failed, servable '{layout.Name}' configuration error{where}: {what}";
    }

    /// <summary>Where in the configuration the exception came from: <c> at servable_config.csx:line 5</c>, or nothing.</summary>
    private static string ConfigLocation(ServableLayout layout, Exception exception)
    {
        var fileName = Path.GetFileName(layout.ConfigPath);
        foreach (var frame in new StackTrace(exception, fNeedFileInfo: true).GetFrames())
        {
            var file = frame.GetFileName();
            if (file is not null && string.Equals(file, layout.ConfigPath, StringComparison.Ordinal) && frame.GetFileLineNumber() > 0)
            {
                return $" at {fileName}:line {frame.GetFileLineNumber()}";
            }
        }
        return "";
    }
}

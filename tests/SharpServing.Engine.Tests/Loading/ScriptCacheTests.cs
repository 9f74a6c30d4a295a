using System.Diagnostics;
using SharpServing.Engine.Configuration;
using SharpServing.Engine.Repository;
using Xunit.Abstractions;

namespace SharpServing.Engine.Tests.Loading;

public sealed class ScriptCacheTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private readonly TempServables _servables = new();

    public void Dispose() => _servables.Dispose();

    private static async Task<(ServableManager Manager, TimeSpan Elapsed)> StartAsync(ServingConfiguration configuration)
    {
        var started = Stopwatch.GetTimestamp();
        var manager = new ServableManager(configuration, OrtModelRuntime.Instance);
        var statuses = await manager.StartAsync(CancellationToken.None).WaitAsync(s_timeout);
        Assert.All(statuses, s => Assert.True(s.State == ServableVersionState.Available, s.Error));
        return (manager, Stopwatch.GetElapsedTime(started));
    }

    [Fact]
    public async Task A_restart_with_an_unchanged_script_loads_it_from_the_cache_and_a_changed_script_recompiles()
    {
        _servables.WriteAdd("add", 1);
        var configuration = _servables.Configuration(_servables.Config("add"));

        var (cold, coldTime) = await StartAsync(configuration);
        await using (cold.DisposeWithTimeout())
        {
            Assert.Equal(1, cold.ScriptCompilations);
            await Predict.AssertAddsAsync(cold, "add");
        }
        var entries = Directory.GetFiles(_servables.CacheDirectory).Select(Path.GetExtension).Order().ToList();
        Assert.Equal([".dll", ".pdb"], entries);

        var (cached, cachedTime) = await StartAsync(configuration);
        await using (cached.DisposeWithTimeout())
        {
            Assert.Equal(0, cached.ScriptCompilations);
            await Predict.AssertAddsAsync(cached, "add", method: "add_cast");
        }
        output.WriteLine($"start with compile: {coldTime.TotalMilliseconds:F0} ms; start from cache: {cachedTime.TotalMilliseconds:F0} ms");

        File.AppendAllText(Path.Combine(_servables.Root, "add", "servable_config.csx"), "\n// changed\n");
        var (changed, _) = await StartAsync(configuration);
        await using (changed.DisposeWithTimeout())
        {
            Assert.Equal(1, changed.ScriptCompilations);
        }
        Assert.Equal(4, Directory.GetFiles(_servables.CacheDirectory).Length);
    }

    [Fact]
    public async Task A_damaged_cache_entry_is_recompiled()
    {
        _servables.WriteAdd("add", 1);
        var configuration = _servables.Configuration(_servables.Config("add"));
        await (await StartAsync(configuration)).Manager.DisposeWithin();
        foreach (var dll in Directory.GetFiles(_servables.CacheDirectory, "*.dll"))
        {
            File.WriteAllText(dll, "not an assembly");
        }

        var (manager, _) = await StartAsync(configuration);
        await using (manager.DisposeWithTimeout())
        {
            Assert.Equal(1, manager.ScriptCompilations);
            await Predict.AssertAddsAsync(manager, "add");
        }
    }

    [Fact]
    public async Task The_cache_folder_is_configurable_and_can_be_turned_off()
    {
        _servables.WriteAdd("add", 1);
        var elsewhere = Path.Combine(_servables.Root, "elsewhere");
        var configuration = _servables.Configuration(_servables.Config("add"));
        configuration.CompileCacheDirectory = elsewhere;

        await (await StartAsync(configuration)).Manager.DisposeWithin();
        Assert.Equal(2, Directory.GetFiles(elsewhere).Length);
        Assert.False(Directory.Exists(_servables.CacheDirectory));

        var off = _servables.Configuration(_servables.Config("add"));
        off.UseCompileCache = false;
        var (manager, _) = await StartAsync(off);
        await using (manager.DisposeWithTimeout())
        {
            Assert.Equal(1, manager.ScriptCompilations);
        }
        Assert.False(Directory.Exists(_servables.CacheDirectory));
    }

    [Fact]
    public void The_cache_key_covers_the_script_text_and_path()
    {
        var key = Engine.Loading.ScriptCache.Key("/a/servable_config.csx", "RegisterMethod();");

        Assert.Equal(64, key.Length);
        Assert.Equal(key, Engine.Loading.ScriptCache.Key("/a/servable_config.csx", "RegisterMethod();"));
        Assert.NotEqual(key, Engine.Loading.ScriptCache.Key("/b/servable_config.csx", "RegisterMethod();"));
        Assert.NotEqual(key, Engine.Loading.ScriptCache.Key("/a/servable_config.csx", "RegisterMethod(); "));
    }
}

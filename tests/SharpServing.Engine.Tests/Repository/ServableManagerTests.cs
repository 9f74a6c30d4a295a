using System.Security.Cryptography;
using SharpServing.Engine.Configuration;
using SharpServing.Engine.Loading;
using SharpServing.Engine.Repository;
using SharpServing.Engine.Tests.Loading;

namespace SharpServing.Engine.Tests.Repository;

public sealed class ServableManagerTests : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private readonly TempServables _servables = new();

    public void Dispose() => _servables.Dispose();

    [Fact]
    public async Task A_servable_that_fails_is_reported_and_the_others_start()
    {
        _servables.WriteAdd("add", 1);
        _servables.WriteScript("broken", "int x = \"text\";");
        var configuration = _servables.Configuration(_servables.Config("add"), _servables.Config("broken"), _servables.Config("missing"));
        var manager = new ServableManager(configuration, OrtModelRuntime.Instance);
        await using var disposal = manager.DisposeWithTimeout();

        var statuses = await manager.StartAsync(CancellationToken.None).WaitAsync(s_timeout);

        Assert.Equal(statuses.OrderBy(s => s.Servable), manager.GetStatus());
        var add = Assert.Single(statuses, s => s.Servable == "add");
        Assert.Equal(new ServableVersionStatus("add", 1, ServableVersionState.Available), add);
        var broken = Assert.Single(statuses, s => s.Servable == "broken");
        Assert.Equal(ServableVersionState.Failed, broken.State);
        Assert.Contains("servable_config.csx(1,9): error CS0029", broken.Error);
        var missing = Assert.Single(statuses, s => s.Servable == "missing");
        Assert.Equal($"Check servable config failed, directory '{Path.Combine(_servables.Root, "missing")}' not exist, there is no servable 'missing' in '{_servables.Root}'",
            missing.Error);
        Assert.True(manager.Contains("add"));
        Assert.False(manager.Contains("broken"));
        Assert.False(manager.TryGetVersion("broken", 0, out _));
        await Predict.AssertAddsAsync(manager, "add");
    }

    [Fact]
    public async Task Versions_are_published_resolved_and_retired()
    {
        _servables.WriteAdd("add", 1, 2);
        var manager = new ServableManager(_servables.Configuration(_servables.Config("add")), OrtModelRuntime.Instance);
        await using var disposal = manager.DisposeWithTimeout();
        await manager.StartAsync(CancellationToken.None).WaitAsync(s_timeout);
        Assert.True(manager.TryGetVersion("add", 0, out var latest));
        Assert.Equal(2, latest.Number);

        var first = await manager.LoadVersionAsync("add", 1, CancellationToken.None).WaitAsync(s_timeout);

        Assert.True(manager.TryGetVersion("add", 1, out var one));
        Assert.Same(first, one);
        Assert.True(manager.TryGetVersion("add", 0, out latest));
        Assert.Equal(2, latest.Number);
        Assert.False(manager.TryGetVersion("add", 3, out _));
        Assert.Equal([1L, 2L], manager.Versions.Select(v => v.Number));
        await Predict.AssertAddsAsync(manager, "add", version: 1);

        Assert.True(await manager.UnloadVersionAsync("add", 2, CancellationToken.None).WaitAsync(s_timeout));

        Assert.Empty(latest.Methods);
        Assert.True(manager.TryGetVersion("add", 0, out var now));
        Assert.Same(first, now);
        Assert.False(await manager.UnloadVersionAsync("add", 2, CancellationToken.None).WaitAsync(s_timeout));
        Assert.Equal([new ServableVersionStatus("add", 1, ServableVersionState.Available)], manager.GetStatus());
        await Predict.AssertAddsAsync(manager, "add");
    }

    [Fact]
    public async Task Loading_a_published_version_again_swaps_in_the_new_one_and_unloads_the_old()
    {
        _servables.WriteAdd("add", 1);
        var manager = new ServableManager(_servables.Configuration(_servables.Config("add")), OrtModelRuntime.Instance);
        await using var disposal = manager.DisposeWithTimeout();
        await manager.StartAsync(CancellationToken.None).WaitAsync(s_timeout);
        var old = await OldContextAsync(manager);

        Assert.True(UnloadCheck.Collected([old]), "the replaced version's load context is still alive");
        await Predict.AssertAddsAsync(manager, "add");
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static async Task<WeakReference> OldContextAsync(ServableManager manager)
    {
        Assert.True(manager.TryGetVersion("add", 1, out var old));
        var replacement = await manager.LoadVersionAsync("add", 1, CancellationToken.None).WaitAsync(s_timeout);
        Assert.NotSame(old, replacement);
        Assert.True(manager.TryGetVersion("add", 1, out var current));
        Assert.Same(replacement, current);
        Assert.Empty(old.Methods);
        return old.LoadContextReference;
    }

    [Fact]
    public async Task A_failed_reload_keeps_the_published_version_serving()
    {
        _servables.WriteAdd("add", 1);
        var manager = new ServableManager(_servables.Configuration(_servables.Config("add")), OrtModelRuntime.Instance);
        await using var disposal = manager.DisposeWithTimeout();
        await manager.StartAsync(CancellationToken.None).WaitAsync(s_timeout);
        _servables.WriteScript("add", "this does not compile");

        var error = await Assert.ThrowsAsync<ServableLoadException>(() => manager.LoadVersionAsync("add", 1, CancellationToken.None).WaitAsync(s_timeout));

        Assert.Contains("error CS", error.Message);
        var status = Assert.Single(manager.GetStatus());
        Assert.Equal(ServableVersionState.Available, status.State);
        Assert.Equal(error.Message, status.Error);
        await Predict.AssertAddsAsync(manager, "add");
    }

    [Fact]
    public async Task With_no_servables_configured_every_servable_folder_under_the_root_starts()
    {
        _servables.WriteAdd("add", 1);
        _servables.WriteScript("echo", """RegisterMethod("echo", outputs: ["y"], x => x);""");
        Directory.CreateDirectory(Path.Combine(_servables.Root, ".cache"));
        Directory.CreateDirectory(Path.Combine(_servables.Root, "not_a_servable"));
        var manager = new ServableManager(new ServingConfiguration { ServablesRoot = _servables.Root }, OrtModelRuntime.Instance);
        await using var disposal = manager.DisposeWithTimeout();

        var statuses = await manager.StartAsync(CancellationToken.None).WaitAsync(s_timeout);

        Assert.Equal(["add", "echo"], statuses.Select(s => s.Servable).Order());
        Assert.All(statuses, s => Assert.Equal(ServableVersionState.Available, s.State));
    }

    [Fact]
    public async Task Entries_of_one_version_are_merged_and_conflicting_keys_fail_that_version()
    {
        _servables.WriteAdd("add", 1, 2);
        var latest = _servables.Config("add");
        latest.NumParallelWorkers = 2;
        var two = _servables.Config("add", version: 2);
        two.NumParallelWorkers = 4;
        var merged = new ServableManager(_servables.Configuration(latest, two), OrtModelRuntime.Instance);
        await using (merged.DisposeWithTimeout())
        {
            var manager = merged;
            var statuses = await manager.StartAsync(CancellationToken.None).WaitAsync(s_timeout);
            Assert.Equal([new ServableVersionStatus("add", 2, ServableVersionState.Available)], statuses);
        }

        var keyed = _servables.Config("add", version: 2);
        keyed.DecKey = RandomNumberGenerator.GetBytes(16);
        var conflicting = new ServableManager(_servables.Configuration(_servables.Config("add"), keyed), OrtModelRuntime.Instance);
        await using (conflicting.DisposeWithTimeout())
        {
            var manager = conflicting;
            var statuses = await manager.StartAsync(CancellationToken.None).WaitAsync(s_timeout);
            var failed = Assert.Single(statuses);
            Assert.Equal("Start servable failed: servable 'add' version 2 is configured with two different dec_key or dec_mode", failed.Error);
            Assert.False(manager.Contains("add"));
        }
    }

    [Fact]
    public async Task Disposing_the_manager_unloads_every_version()
    {
        _servables.WriteAdd("add", 1, 2);
        var manager = new ServableManager(_servables.Configuration(_servables.Config("add")), OrtModelRuntime.Instance);
        await manager.StartAsync(CancellationToken.None).WaitAsync(s_timeout);
        await manager.LoadVersionAsync("add", 1, CancellationToken.None).WaitAsync(s_timeout);
        var versions = manager.Versions;

        await manager.DisposeWithin();

        Assert.False(manager.Contains("add"));
        Assert.Empty(manager.Versions);
        Assert.All(versions, v => Assert.Empty(v.Models));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => manager.LoadVersionAsync("add", 1, CancellationToken.None).WaitAsync(s_timeout));
    }

    [Fact]
    public async Task Readers_always_see_a_published_version_while_versions_are_swapped()
    {
        _servables.WriteAdd("add", 1);
        var manager = new ServableManager(_servables.Configuration(_servables.Config("add")), OrtModelRuntime.Instance);
        await using var disposal = manager.DisposeWithTimeout();
        await manager.StartAsync(CancellationToken.None).WaitAsync(s_timeout);
        using var stop = new CancellationTokenSource();
        var misses = 0;
        var reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                if (!manager.TryGetVersion("add", 0, out var version) || version.Number != 1)
                {
                    Interlocked.Increment(ref misses);
                }
            }
        });

        for (var i = 0; i < 5; i++)
        {
            await manager.LoadVersionAsync("add", 1, CancellationToken.None).WaitAsync(s_timeout);
        }
        await stop.CancelAsync();
        await reader.WaitAsync(s_timeout);

        Assert.Equal(0, misses);
    }
}

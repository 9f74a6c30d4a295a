using SharpServing.Engine.Configuration;
using SharpServing.Engine.Reload;
using SharpServing.Engine.Repository;
using SharpServing.Engine.Tests.Execution;
using SharpServing.Engine.Tests.Loading;

namespace SharpServing.Engine.Tests.Reload;

/// <summary>The watcher, quiet period, version policy and swaps, on a clock the test moves and real file events.</summary>
public sealed class ReloadCoordinatorTests : IDisposable
{
    private static readonly TimeSpan s_timeout = ReloadServables.Timeout;
    private static readonly TimeSpan s_quiet = TimeSpan.FromMilliseconds(200);
    private readonly ReloadServables _servables = new();
    private readonly ManualTimeProvider _clock = new();

    public void Dispose() => _servables.Dispose();

    private async Task<(ServableManager Manager, ReloadCoordinator Reload)> StartAsync(ServingConfiguration configuration)
    {
        var manager = new ServableManager(configuration, OrtModelRuntime.Instance);
        var reload = new ReloadCoordinator(manager, _clock);
        await reload.StartAsync(CancellationToken.None).WaitAsync(s_timeout);
        return (manager, reload);
    }

    private static async Task StopAsync(ServableManager manager, ReloadCoordinator reload)
    {
        await reload.DisposeWithin();
        await manager.DisposeWithin();
    }

    [Fact]
    public async Task A_version_folder_renamed_in_loads_after_the_quiet_period_and_the_older_one_unloads()
    {
        _servables.WriteAdd("add", edit: 0, 1);
        var (manager, reload) = await StartAsync(_servables.Configuration());
        try
        {
            Assert.Equal(100f, await ReloadServables.OffsetAsync(manager));
            var changes = reload.ChangesObserved;
            var passes = reload.PassesCompleted;

            _servables.AddVersion("add", 2);
            await Eventually.True(() => reload.ChangesObserved > changes, "the rename is seen");
            await Task.Delay(300);

            Assert.Equal(passes, reload.PassesCompleted);
            Assert.Equal(100f, await ReloadServables.OffsetAsync(manager));
            await ReloadServables.AdvanceUntilAsync(_clock, s_quiet, () => !manager.TryGetVersion("add", 1, out _), "version 1 is unloaded");
            Assert.Equal(200f, await ReloadServables.OffsetAsync(manager));
            Assert.Equal([2L], manager.Versions.Select(v => v.Number));
            // Version 1 leaves the catalog first, then drains and unloads: its status goes once the retirement ends.
            await Eventually.True(() => manager.GetStatus().Count == 1, "version 1's retirement completes");
            Assert.Equal([new ServableVersionStatus("add", 2, ServableVersionState.Available)], manager.GetStatus());
        }
        finally
        {
            await StopAsync(manager, reload);
        }
    }

    [Fact]
    public async Task Under_latest_2_an_older_version_still_loaded_is_served_by_number_and_0_means_the_newest()
    {
        _servables.WriteAdd("add", edit: 0, 1, 2);
        var (manager, reload) = await StartAsync(_servables.Configuration(VersionPolicy.Latest(2)));
        try
        {
            Assert.Equal([1L, 2L], manager.Versions.Select(v => v.Number));

            _servables.AddVersion("add", 3);
            await ReloadServables.AdvanceUntilAsync(_clock, s_quiet, () => !manager.TryGetVersion("add", 1, out _), "version 1 is unloaded");

            Assert.Equal([2L, 3L], manager.Versions.Select(v => v.Number));
            Assert.Equal(300f, await ReloadServables.OffsetAsync(manager, version: 0));
            Assert.Equal(200f, await ReloadServables.OffsetAsync(manager, version: 2));
            Assert.Equal(300f, await ReloadServables.OffsetAsync(manager, version: 3));
            Assert.Equal("latest:2", Assert.Single(reload.GetServables()).VersionPolicy);
        }
        finally
        {
            await StopAsync(manager, reload);
        }
    }

    [Fact]
    public async Task An_edited_script_swaps_in_a_new_object_a_broken_one_is_reported_and_the_last_good_one_keeps_serving()
    {
        _servables.WriteAdd("add", edit: 0, 1);
        var (manager, reload) = await StartAsync(_servables.Configuration());
        try
        {
            Assert.True(manager.TryGetVersion("add", 1, out var first));

            _servables.WriteScript("add", edit: 7);
            await ReloadServables.AdvanceUntilAsync(_clock, s_quiet, () => manager.TryGetVersion("add", 1, out var v) && v != first, "the edit is swapped in");
            Assert.Equal(107f, await ReloadServables.OffsetAsync(manager));
            // The swap publishes the new object first; the replaced one then drains and unloads.
            await Eventually.True(() => first.Methods.Count == 0, "the replaced object is unloaded");

            manager.TryGetVersion("add", 1, out var good);
            _servables.WriteScriptText("add", ReloadServables.Script(8).Replace("(float)", "(flot)", StringComparison.Ordinal));
            await ReloadServables.AdvanceUntilAsync(_clock, s_quiet, () => ReloadServables.StatusOf(manager, "add", 1).Error is not null, "the broken edit is reported");

            var status = ReloadServables.StatusOf(manager, "add", 1);
            Assert.Equal(ServableVersionState.Available, status.State);
            Assert.Contains("servable_config.csx(2,", status.Error);
            Assert.True(manager.TryGetVersion("add", 1, out var still));
            Assert.Same(good, still);
            Assert.Equal(107f, await ReloadServables.OffsetAsync(manager));
            var info = Assert.Single(Assert.Single(reload.GetServables()).Versions);
            Assert.Equal(status.Error, info.Error);
            var method = Assert.Single(info.Methods);
            Assert.Equal("add_common", method.Name);
            Assert.Equal(["x1", "x2"], method.Inputs);
            Assert.Equal(["y"], method.Outputs);

            _servables.WriteScript("add", edit: 9);
            await ReloadServables.AdvanceUntilAsync(_clock, s_quiet, () => ReloadServables.StatusOf(manager, "add", 1).Error is null, "the fix is swapped in");
            Assert.Equal(109f, await ReloadServables.OffsetAsync(manager));
        }
        finally
        {
            await StopAsync(manager, reload);
        }
    }

    [Fact]
    public async Task A_new_servable_folder_loads_and_a_removed_one_unloads_and_is_forgotten()
    {
        _servables.WriteAdd("add", edit: 0, 1);
        var (manager, reload) = await StartAsync(_servables.Configuration());
        try
        {
            var staging = Path.Combine(_servables.Root, ".other.tmp");
            Directory.CreateDirectory(staging);
            File.WriteAllText(Path.Combine(staging, ServableRepository.ScriptFileName), ReloadServables.Script(5));
            Directory.CreateDirectory(Path.Combine(staging, "4"));
            File.WriteAllBytes(Path.Combine(staging, "4", "tensor_add.onnx"), SharpServing.ModelFixtures.ModelFixtures.TensorAdd());
            Directory.Move(staging, Path.Combine(_servables.Root, "other"));
            await ReloadServables.AdvanceUntilAsync(_clock, s_quiet, () => manager.Contains("other"), "the new servable serves");
            Assert.Equal(405f, await ReloadServables.OffsetAsync(manager, "other"));

            Assert.True(manager.TryGetVersion("add", 1, out var add));
            Directory.Delete(_servables.Temp.ServableDirectory("add"), recursive: true);
            await ReloadServables.AdvanceUntilAsync(_clock, s_quiet,
                () => !manager.Contains("add") && !manager.GetStatus().Any(s => s.Servable == "add"), "the removed servable is unloaded and forgotten");

            Assert.Empty(add.Models);
            Assert.Equal(["other"], reload.GetServables().Select(s => s.Name));
            Assert.Equal(405f, await ReloadServables.OffsetAsync(manager, "other"));
        }
        finally
        {
            await StopAsync(manager, reload);
        }
    }

    [Fact]
    public async Task A_version_that_fails_to_load_is_reported_and_the_older_version_keeps_serving_until_it_is_fixed()
    {
        _servables.WriteAdd("add", edit: 0, 1);
        var (manager, reload) = await StartAsync(_servables.Configuration());
        try
        {
            var broken = Path.Combine(_servables.Root, "add", ".2.tmp");
            Directory.CreateDirectory(broken);
            File.WriteAllText(Path.Combine(broken, "tensor_add.onnx"), "not a model");
            Directory.Move(broken, Path.Combine(_servables.Root, "add", "2"));
            await ReloadServables.AdvanceUntilAsync(_clock, s_quiet,
                () => manager.GetStatus().Any(s => s is { Version: 2, State: ServableVersionState.Failed }), "version 2 fails");

            Assert.Contains("Load model failed", ReloadServables.StatusOf(manager, "add", 2).Error);
            Assert.Equal(100f, await ReloadServables.OffsetAsync(manager));

            File.WriteAllBytes(Path.Combine(_servables.Root, "add", "2", "tensor_add.onnx"), SharpServing.ModelFixtures.ModelFixtures.TensorAdd());
            await ReloadServables.AdvanceUntilAsync(_clock, s_quiet, () => !manager.TryGetVersion("add", 1, out _), "the fixed version 2 replaces 1");
            Assert.Equal(200f, await ReloadServables.OffsetAsync(manager));
            await Eventually.True(() => manager.GetStatus().Count == 1, "version 1's retirement completes");
            Assert.Equal([new ServableVersionStatus("add", 2, ServableVersionState.Available)], manager.GetStatus());
        }
        finally
        {
            await StopAsync(manager, reload);
        }
    }

    [Fact]
    public async Task Without_file_events_the_rescan_finds_a_change_and_applies_it_once_a_second_scan_agrees()
    {
        _servables.WriteAdd("add", edit: 0, 1);
        var configuration = _servables.Configuration();
        configuration.RescanInterval = TimeSpan.FromSeconds(10);
        var (manager, reload) = await StartAsync(configuration);
        try
        {
            reload.IgnoreFileEvents = true;
            var passes = reload.PassesCompleted;
            _servables.AddVersion("add", 2);

            _clock.Advance(TimeSpan.FromSeconds(10));
            await Task.Delay(200);
            Assert.Equal(passes, reload.PassesCompleted);
            Assert.False(manager.TryGetVersion("add", 2, out _));

            await ReloadServables.AdvanceUntilAsync(_clock, s_quiet, () => manager.TryGetVersion("add", 2, out _), "the rescan loads version 2");
            Assert.Equal(200f, await ReloadServables.OffsetAsync(manager));
        }
        finally
        {
            await StopAsync(manager, reload);
        }
    }

    [Fact]
    public async Task Explicit_load_and_unload_are_refused_while_watching_and_work_with_watching_off()
    {
        _servables.WriteAdd("add", edit: 0, 1, 2);
        var (manager, reload) = await StartAsync(_servables.Configuration());
        try
        {
            Assert.True(reload.IsWatching);
            var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => reload.LoadVersionAsync("add", 1, CancellationToken.None));
            Assert.Contains("--no-watch", refused.Message);
            await Assert.ThrowsAsync<InvalidOperationException>(() => reload.UnloadVersionAsync("add", 2, CancellationToken.None));
        }
        finally
        {
            await StopAsync(manager, reload);
        }

        (manager, reload) = await StartAsync(_servables.Configuration(watch: false));
        try
        {
            Assert.False(reload.IsWatching);
            await reload.LoadVersionAsync("add", 1, CancellationToken.None).WaitAsync(s_timeout);
            Assert.Equal([1L, 2L], manager.Versions.Select(v => v.Number));
            Assert.True(await reload.UnloadVersionAsync("add", 2, CancellationToken.None).WaitAsync(s_timeout));
            Assert.Equal(100f, await ReloadServables.OffsetAsync(manager));

            // Watching off: files change, nothing happens until a reload is asked for; it rebuilds what is loaded.
            _servables.WriteScript("add", edit: 3);
            var result = await reload.ReloadAsync("add", CancellationToken.None).WaitAsync(s_timeout);
            Assert.NotNull(result);
            Assert.Equal([1L], result.Loaded);
            Assert.Empty(result.Unloaded);
            Assert.Empty(result.Failures);
            Assert.Equal(103f, await ReloadServables.OffsetAsync(manager));
            Assert.Null(await reload.ReloadAsync("missing", CancellationToken.None).WaitAsync(s_timeout));
        }
        finally
        {
            await StopAsync(manager, reload);
        }
    }
}

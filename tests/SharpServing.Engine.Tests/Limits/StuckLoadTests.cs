using SharpServing.Engine.Configuration;
using SharpServing.Engine.Loading;
using SharpServing.Engine.Reload;
using SharpServing.Engine.Repository;
using SharpServing.Engine.Tests.Execution;
using SharpServing.Engine.Tests.Loading;
using SharpServing.Engine.Tests.Reload;

namespace SharpServing.Engine.Tests.Limits;

/// <summary>A servable whose configuration never returns: it stalls no start, no other servable, no reload, no stop.</summary>
public sealed class StuckLoadTests : IDisposable
{
    private static readonly TimeSpan s_timeout = ReloadServables.Timeout;
    private static readonly TimeSpan s_quiet = TimeSpan.FromMilliseconds(200);
    private readonly ReloadServables _servables = new();
    private readonly StuckCode _stuck = new();
    private readonly ManualTimeProvider _clock = new();

    public void Dispose()
    {
        _stuck.Dispose();
        _servables.Dispose();
    }

    private ServingConfiguration Configuration(TimeSpan loadTimeout, bool watch)
    {
        var configuration = _servables.Configuration(watch: watch);
        configuration.LoadTimeout = loadTimeout;
        return configuration;
    }

    [Fact]
    public async Task The_start_ends_at_the_load_time_limit_with_the_stuck_servable_failed_and_the_others_serving()
    {
        _servables.WriteAdd("add", edit: 0, 1);
        _servables.WriteScriptText("stuck", _stuck.StuckConfiguration);
        // Long enough for the add servable's first compile on a busy machine; the stuck one never ends.
        var manager = new ServableManager(Configuration(TimeSpan.FromSeconds(8), watch: false), OrtModelRuntime.Instance);
        try
        {
            var statuses = await manager.StartAsync(CancellationToken.None).WaitAsync(s_timeout);

            Assert.Equal(ServableVersionState.Available, Assert.Single(statuses, s => s.Servable == "add").State);
            var stuck = Assert.Single(statuses, s => s.Servable == "stuck");
            Assert.Equal(ServableVersionState.Failed, stuck.State);
            Assert.Equal("Start servable failed, servable 'stuck' version 0: the load did not finish within the load time limit of 8000 ms "
                + "(load_timeout_ms) and was abandoned; configuration code that never returns keeps running on its own thread", stuck.Error);
            Assert.Equal(100f, await ReloadServables.OffsetAsync(manager));
            Assert.Equal(1, manager.AbandonedLoads);

            _stuck.Release();
            await Eventually.True(() => manager.AbandonedLoads == 0, "the abandoned load ends and is discarded");
            Assert.False(manager.Contains("stuck"));
        }
        finally
        {
            await manager.DisposeWithin();
        }
    }

    [Fact]
    public async Task While_a_load_is_stuck_a_new_servable_loads_a_reload_and_a_status_read_answer_and_the_reload_stops()
    {
        _servables.WriteAdd("add", edit: 0, 1);
        var manager = new ServableManager(Configuration(TimeSpan.FromMinutes(10), watch: true), OrtModelRuntime.Instance);
        var reload = new ReloadCoordinator(manager, _clock);
        try
        {
            await reload.StartAsync(CancellationToken.None).WaitAsync(s_timeout);
            _servables.WriteScriptText("stuck", _stuck.StuckConfiguration);
            // Loading, and past its compile into the code that never returns (a load still compiling ends when stopped).
            await ReloadServables.AdvanceUntilAsync(_clock, s_quiet,
                () => _stuck.ConfigurationStarted && manager.GetStatus().Any(s => s.Servable == "stuck" && s.State == ServableVersionState.Loading),
                "the stuck servable is loading");

            _servables.WriteAdd("fresh", edit: 5, 1);
            await ReloadServables.AdvanceUntilAsync(_clock, s_quiet, () => manager.Contains("fresh"), "the new servable serves");
            var result = await reload.ReloadAsync("add", CancellationToken.None).WaitAsync(s_timeout);
            var servables = reload.GetServables();

            Assert.Equal(105f, await ReloadServables.OffsetAsync(manager, "fresh"));
            Assert.Equal([1L], result!.Loaded);
            Assert.Equal(ServableVersionState.Loading, Assert.Single(Assert.Single(servables, s => s.Name == "stuck").Versions).State);
            Assert.Equal(100f, await ReloadServables.OffsetAsync(manager));
            // Stopping abandons the stuck load instead of waiting for it.
            await reload.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(1, manager.AbandonedLoads);
        }
        finally
        {
            await ReleaseAsync(reload, manager);
        }
    }

    [Fact]
    public async Task A_reload_past_the_load_time_limit_keeps_the_previous_version_serving_and_the_status_says_why()
    {
        _servables.WriteAdd("add", edit: 0, 1);
        var manager = new ServableManager(Configuration(TimeSpan.FromMinutes(5), watch: false), OrtModelRuntime.Instance);
        var reload = new ReloadCoordinator(manager, _clock);
        try
        {
            await reload.StartAsync(CancellationToken.None).WaitAsync(s_timeout);
            // Read at each load: the start had the default, the reload gets a short one.
            manager.Configuration.LoadTimeout = TimeSpan.FromSeconds(1);
            _servables.WriteScriptText("add", _stuck.StuckConfiguration);

            var result = await reload.ReloadAsync("add", CancellationToken.None).WaitAsync(s_timeout);

            var failure = Assert.Single(result!.Failures);
            Assert.Contains("the load did not finish within the load time limit of 1000 ms", failure.Error, StringComparison.Ordinal);
            Assert.Equal(100f, await ReloadServables.OffsetAsync(manager));
            var status = ReloadServables.StatusOf(manager, "add", 1);
            Assert.Equal(ServableVersionState.Available, status.State);
            Assert.Contains("load time limit", status.Error, StringComparison.Ordinal);
        }
        finally
        {
            await ReleaseAsync(reload, manager);
        }
    }

    [Fact]
    public void Roslyn_stops_a_compile_when_its_token_is_cancelled()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(
            () => ScriptCompiler.Compile("servable_config.csx", TempServables.AddScript, "cancelled_compile", cancelled.Token));
    }

    /// <summary>Stops <paramref name="reload"/> and <paramref name="manager"/>, then lets the stuck load end.</summary>
    private async Task ReleaseAsync(ReloadCoordinator reload, ServableManager manager)
    {
        await reload.DisposeWithin();
        await manager.DisposeWithin();
        _stuck.Release();
        await Eventually.True(() => manager.AbandonedLoads == 0, "the abandoned load ends");
    }
}

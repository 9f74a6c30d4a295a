using SharpServing.Engine.Configuration;
using SharpServing.Engine.Repository;
using SharpServing.Engine.Tests.Loading;
using Fixtures = SharpServing.ModelFixtures.ModelFixtures;

namespace SharpServing.Engine.Tests.Repository;

/// <summary>
/// Lazy loading and the loaded-memory budget in the manager, through the real dispatcher and ONNX Runtime: versions
/// load on their first request; a version a request is using is never unloaded to make room (the budget is passed
/// instead), an idle one is, least recently used first, and loads again on its next request.
/// </summary>
public sealed class LazyLoadingTests : IDisposable
{
    private const int AssetBytes = 600_000;   // with the model, one version fits a 1 MiB budget, two do not
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private readonly TempServables _servables = new();

    public void Dispose()
    {
        File.WriteAllText(ReleaseFile, "");
        _servables.Dispose();
    }

    private string ReleaseFile => Path.Combine(_servables.Root, "release");

    [Fact]
    public async Task A_version_in_use_is_never_unloaded_and_an_idle_one_is_unloaded_least_recently_used_first()
    {
        // "held": its C# stage waits until the test writes the release file, so its request stays in flight.
        _servables.WriteScript("held", $$"""
            var model = DeclareModel("tensor_add.onnx", withBatchDim: false);
            RegisterMethod("add_common", outputs: ["y"], (x1, x2) =>
            {
                var (a, b) = AddStage(Hold, x1, x2, outputsCount: 2);
                return AddStage(model, a, b);
            });
            (Tensor, Tensor) Hold(Tensor x1, Tensor x2)
            {
                while (!File.Exists(@"{{ReleaseFile}}"))
                {
                    Thread.Sleep(5);
                }
                return (x1, x2);
            }
            """);
        _servables.WriteModel("held", 1, "tensor_add.onnx", Fixtures.TensorAdd());
        foreach (var name in new[] { "held", "other", "third" })
        {
            if (name != "held")
            {
                _servables.WriteAdd(name, 1);
            }
            _servables.WriteModel(name, 1, "assets.bin", new byte[AssetBytes]);
        }
        var configuration = _servables.Configuration();
        configuration.LazyLoad = true;
        configuration.LoadedMemoryBudgetMb = 1;
        var manager = new ServableManager(configuration, OrtModelRuntime.Instance);
        await using var disposal = manager.DisposeWithTimeout();

        var statuses = await manager.StartAsync(CancellationToken.None).WaitAsync(s_timeout);

        Assert.All(statuses, s => Assert.Equal(ServableVersionState.Unloaded, s.State));
        Assert.Empty(manager.Versions);
        Assert.True(manager.CanServe("held"));
        Assert.False(manager.CanServe("missing"));

        var held = Predict.AssertAddsAsync(manager, "held");
        await InFlightAsync(manager, "held");
        await Predict.AssertAddsAsync(manager, "other");

        // No room for "other" without unloading "held", which is in use: both stay, over the budget.
        Assert.Equal(["held", "other"], manager.Versions.Select(v => v.Name));
        Assert.True(manager.LoadedBytes > configuration.LoadedMemoryBudgetBytes);
        await File.WriteAllTextAsync(ReleaseFile, "");
        await held.WaitAsync(s_timeout);

        await Predict.AssertAddsAsync(manager, "third");

        // Both idle now: "held" (least recently used) went first, "other" too, as one version alone fills the budget.
        Assert.Equal(["third"], manager.Versions.Select(v => v.Name));
        var unloaded = manager.GetStatus().Where(s => s.State == ServableVersionState.Unloaded).ToList();
        Assert.Equal(["held", "other"], unloaded.Select(s => s.Servable));
        Assert.All(unloaded, s => Assert.Contains("to make room for servable 'third' version 1", s.UnloadReason, StringComparison.Ordinal));
        Assert.All(unloaded, s => Assert.Contains("least recently used", s.UnloadReason, StringComparison.Ordinal));
        Assert.True(manager.LoadedBytes <= configuration.LoadedMemoryBudgetBytes);

        // An unloaded version loads again on its next request.
        await Predict.AssertAddsAsync(manager, "other");
        Assert.Equal(["other"], manager.Versions.Select(v => v.Name));
    }

    [Fact]
    public void A_memory_budget_needs_lazy_loading()
    {
        var configuration = _servables.Configuration();
        configuration.LoadedMemoryBudgetMb = 64;

        var error = Assert.Throws<ServingConfigurationException>(configuration.Validate);

        Assert.Contains("loaded_memory_budget_mb", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => configuration.LoadedMemoryBudgetMb = -1);
    }

    /// <summary>Waits until a request runs on the published version of <paramref name="servable"/>.</summary>
    private static async Task InFlightAsync(ServableManager manager, string servable)
    {
        using var timeout = new CancellationTokenSource(s_timeout);
        while (!(manager.Versions.FirstOrDefault(v => v.Name == servable) is { } version && version.Executor.PendingRequests > 0))
        {
            await Task.Delay(10, timeout.Token);
        }
    }
}

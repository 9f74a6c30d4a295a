using SharpServing.Engine.Loading;
using SharpServing.Engine.Reload;
using SharpServing.Engine.Repository;
using SharpServing.Engine.Tests.Loading;

namespace SharpServing.Engine.Tests.Reload;

public sealed class ModelWarmupTests : IDisposable
{
    private readonly ReloadServables _servables = new();

    public void Dispose() => _servables.Dispose();

    [Fact]
    public void Zeros_follow_the_signature_with_dynamic_dimensions_as_1()
    {
        var zeros = ModelWarmup.Zeros(new TensorSpec("x", DataType.Float32, [-1, 3, -1, 4]));
        var strings = ModelWarmup.Zeros(new TensorSpec("s", DataType.String, [2]));

        Assert.Equal([1L, 3, 1, 4], zeros.Dims);
        Assert.All(zeros.ToArray<float>(), v => Assert.Equal(0f, v));
        Assert.Equal(DataType.String, strings.DataType);
        Assert.Equal("", strings.GetString(1));
    }

    [Fact]
    public async Task A_version_whose_warm_up_fails_is_not_published_and_the_serving_version_stays()
    {
        _servables.WriteAdd("add", edit: 0, 1);
        var manager = new ServableManager(_servables.Configuration(watch: false), OrtModelRuntime.Instance);
        await using var disposal = manager.DisposeWithTimeout();
        await manager.StartAsync(CancellationToken.None).WaitAsync(ReloadServables.Timeout);
        Assert.True(manager.TryGetVersion("add", 1, out var serving));
        // A user-supplied warm-up input of the wrong shape: the model cannot run it.
        var warmup = Path.Combine(_servables.Root, "add", "1", ModelWarmup.FolderName, "tensor_add");
        Directory.CreateDirectory(warmup);
        Npy.Write(Path.Combine(warmup, "x1.npy"), Tensor.Zeros<float>(3, 3));
        Npy.Write(Path.Combine(warmup, "1.npy"), Tensor.Zeros<float>(3, 3));

        var error = await Assert.ThrowsAsync<ServableLoadException>(() => manager.LoadVersionAsync("add", 1, CancellationToken.None).WaitAsync(ReloadServables.Timeout));

        Assert.StartsWith($"Warm up model failed, servable 'add' version 1, model file '{Path.Combine(_servables.Root, "add", "1", "tensor_add.onnx")}'", error.Message);
        Assert.True(manager.TryGetVersion("add", 1, out var still));
        Assert.Same(serving, still);
        Assert.Equal(new ServableVersionStatus("add", 1, ServableVersionState.Available, error.Message), Assert.Single(manager.GetStatus()));
        Assert.Equal(100f, await ReloadServables.OffsetAsync(manager));

        // Good warm-up files, by name and by index, are used as given; and a missing one is named.
        Npy.Write(Path.Combine(warmup, "x1.npy"), Tensor.Zeros<float>(2, 2));
        Npy.Write(Path.Combine(warmup, "1.npy"), Tensor.Zeros<float>(2, 2));
        await manager.LoadVersionAsync("add", 1, CancellationToken.None).WaitAsync(ReloadServables.Timeout);
        File.Delete(Path.Combine(warmup, "1.npy"));
        var missing = await Assert.ThrowsAsync<ServableLoadException>(() => manager.LoadVersionAsync("add", 1, CancellationToken.None).WaitAsync(ReloadServables.Timeout));
        Assert.EndsWith($"the warm-up folder '{warmup}' has no 'x2.npy' nor '1.npy' for input 1 'x2'", missing.Message);
    }

    [Fact]
    public async Task With_warm_up_off_a_version_loads_without_running_its_models()
    {
        _servables.WriteAdd("add", edit: 0, 1);
        var warmup = Path.Combine(_servables.Root, "add", ModelWarmup.FolderName, "tensor_add");
        Directory.CreateDirectory(warmup);
        Npy.Write(Path.Combine(warmup, "x1.npy"), Tensor.Zeros<float>(3, 3));
        Npy.Write(Path.Combine(warmup, "x2.npy"), Tensor.Zeros<float>(3, 3));
        var on = new ServableManager(_servables.Configuration(watch: false), OrtModelRuntime.Instance);
        await using (on.DisposeWithTimeout())
        {
            var status = Assert.Single(await on.StartAsync(CancellationToken.None).WaitAsync(ReloadServables.Timeout));
            Assert.Equal(ServableVersionState.Failed, status.State);
            Assert.Contains("warm-up error details", status.Error);
        }

        var configuration = _servables.Configuration(watch: false);
        configuration.WarmUp = false;
        var off = new ServableManager(configuration, OrtModelRuntime.Instance);
        await using (off.DisposeWithTimeout())
        {
            Assert.Equal(ServableVersionState.Available, Assert.Single(await off.StartAsync(CancellationToken.None).WaitAsync(ReloadServables.Timeout)).State);
        }
    }
}

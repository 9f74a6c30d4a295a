using SharpServing.Engine.Configuration;
using SharpServing.Engine.Loading;
using SharpServing.Engine.Repository;
using Fixtures = SharpServing.ModelFixtures.ModelFixtures;

namespace SharpServing.Engine.Tests.Loading;

public sealed class ScriptLoadingTests : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private readonly TempServables _servables = new();

    public void Dispose() => _servables.Dispose();

    private static ServableLoader Loader(string? cacheDirectory = null) => new(_ => new ScriptCache(cacheDirectory), OrtModelRuntime.Instance);

    private static async Task<ServableLoadException> LoadFailsAsync(ServableStartConfig config)
        => await Assert.ThrowsAsync<ServableLoadException>(() => Loader().LoadAsync(config, new ExecutionOptions(), CancellationToken.None).WaitAsync(s_timeout));

    [Fact]
    public async Task A_script_declares_models_and_registers_methods_with_sessions_open()
    {
        _servables.WriteAdd("add", 1);

        var version = await Loader().LoadAsync(_servables.Config("add"), new ExecutionOptions(), CancellationToken.None).WaitAsync(s_timeout);
        await using var disposal = version.DisposeWithTimeout();

        Assert.Equal("add", version.Name);
        Assert.Equal(1, version.Number);
        Assert.Equal(Path.Combine(_servables.Root, "add", "1"), version.Directory);
        Assert.Equal(["add_cast", "add_common"], version.Methods.Keys.Order());
        Assert.Equal(["x1", "x2"], version.Methods["add_common"].Inputs);
        var model = Assert.Single(version.Models);
        Assert.Equal(DeviceType.Cpu, model.Device);
        Assert.Equal([0], model.DeviceIds);
        var signature = Assert.Single(model.Signatures);
        Assert.Equal([DataType.Float32, DataType.Float32], signature.Inputs.Select(i => i.DataType));
        Assert.Equal([2L, 2L], signature.Outputs[0].Shape);
        var session = Assert.IsType<OrtSession>(Assert.Single(Assert.Single(model.Sessions)));
        Assert.False(session.Options.AllowSpinning);
        var y = session.Run([Tensor.Create([1f, 2f, 3f, 4f], 2, 2), Tensor.Create([1f, 1f, 1f, 1f], 2, 2)]);
        Assert.Equal([2f, 3f, 4f, 5f], y[0].ToArray<float>());
    }

    [Fact]
    public async Task Model_options_reach_the_session_threads_and_spinning()
    {
        _servables.WriteScript("tuned", """
            var model = DeclareModel("tensor_add.onnx", withBatchDim: false, options: new ModelOptions { IntraOpThreads = 2, InterOpThreads = 1, AllowSpinning = true });
            RegisterMethod("add", outputs: ["y"], (x1, x2) => AddStage(model, x1, x2));
            """);
        _servables.WriteModel("tuned", 1, "tensor_add.onnx", Fixtures.TensorAdd());

        var version = await Loader().LoadAsync(_servables.Config("tuned"), new ExecutionOptions(), CancellationToken.None).WaitAsync(s_timeout);
        await using var disposal = version.DisposeWithTimeout();

        var options = Assert.IsType<OrtSession>(Assert.Single(Assert.Single(Assert.Single(version.Models).Sessions))).Options;
        Assert.Equal(2, options.IntraOpThreads);
        Assert.Equal(1, options.InterOpThreads);
        Assert.True(options.AllowSpinning);
    }

    [Fact]
    public async Task A_compile_error_names_file_line_column_and_message()
    {
        _servables.WriteScript("bad", """
            // line 1
            var model = DeclareModel("tensor_add.onnx");
            int x = "not a number";
            """);

        var error = await LoadFailsAsync(_servables.Config("bad"));

        Assert.StartsWith($"Compile servable config failed, servable 'bad', file '{Path.Combine(_servables.Root, "bad", "servable_config.csx")}':", error.Message);
        Assert.Contains("servable_config.csx(3,9): error CS0029: Cannot implicitly convert type 'string' to 'int'", error.Message);
        Assert.Equal("bad", error.Servable);
    }

    [Fact]
    public async Task A_registration_error_keeps_the_sdk_text_and_the_script_line()
    {
        _servables.WriteScript("twice", """
            RegisterMethod("m", outputs: ["y"], x => x);
            RegisterMethod("m", outputs: ["y"], x => x);
            """);

        var error = await LoadFailsAsync(_servables.Config("twice"));

        Assert.Equal("Start servable failed, servable 'twice' configuration error at servable_config.csx:line 2: Method m has been registered more than once.", error.Message);
    }

    [Fact]
    public async Task An_exception_thrown_by_the_script_is_reported_with_its_type_and_line()
    {
        _servables.WriteScript("throws", """
            RegisterMethod("m", outputs: ["y"], x => x);

            throw new InvalidOperationException("boom");
            """);

        var error = await LoadFailsAsync(_servables.Config("throws"));

        Assert.Equal("Start servable failed, servable 'throws' configuration error at servable_config.csx:line 3: System.InvalidOperationException: boom", error.Message);
    }

    [Fact]
    public async Task Models_declared_without_a_version_folder_fail_with_the_spec_text()
    {
        var script = _servables.WriteScript("noversion", TempServables.AddScript);

        var error = await LoadFailsAsync(_servables.Config("noversion"));

        Assert.StartsWith($"There is no valid version directory of models while there are models declared in {script}, ", error.Message);
    }

    [Fact]
    public async Task A_requested_version_that_does_not_exist_fails_with_the_spec_text()
    {
        _servables.WriteAdd("add", 1, 2);

        var error = await LoadFailsAsync(_servables.Config("add", version: 3));

        Assert.Equal("Start servable failed: There is no specified version directory of models, specified version number: 3, servable 'add' has versions [1, 2]", error.Message);
        Assert.Equal(3, error.Version);
    }

    [Fact]
    public async Task Version_zero_loads_the_highest_canonical_version_folder()
    {
        _servables.WriteAdd("add", 1, 2, 10);
        Directory.CreateDirectory(Path.Combine(_servables.Root, "add", "011"));
        Directory.CreateDirectory(Path.Combine(_servables.Root, "add", "v99"));

        var version = await Loader().LoadAsync(_servables.Config("add"), new ExecutionOptions(), CancellationToken.None).WaitAsync(s_timeout);
        await using var disposal = version.DisposeWithTimeout();

        Assert.Equal(10, version.Number);
    }

    [Fact]
    public async Task A_servable_without_models_needs_no_version_folder_and_registers_as_version_1()
    {
        _servables.WriteScript("echo", """RegisterMethod("echo", outputs: ["y"], x => AddStage(Echo, x)); Tensor Echo(Tensor x) => x;""");

        var version = await Loader().LoadAsync(_servables.Config("echo"), new ExecutionOptions(), CancellationToken.None).WaitAsync(s_timeout);
        await using var disposal = version.DisposeWithTimeout();

        Assert.Equal(1, version.Number);
        Assert.Empty(version.Models);
        Assert.Equal(["echo"], version.Methods.Keys);
    }

    [Fact]
    public async Task A_missing_model_file_fails_with_load_model_failed()
    {
        _servables.WriteScript("add", TempServables.AddScript);
        Directory.CreateDirectory(Path.Combine(_servables.Root, "add", "1"));
        var path = Path.Combine(_servables.Root, "add", "1", "tensor_add.onnx");

        var error = await LoadFailsAsync(_servables.Config("add"));

        Assert.Equal($"Load model failed, servable 'add' version 1, model file '{path}', load error details: model file '{path}' not exist", error.Message);
    }

    [Fact]
    public async Task A_file_that_is_not_a_model_fails_with_the_runtime_detail()
    {
        _servables.WriteScript("add", TempServables.AddScript);
        var path = _servables.WriteModel("add", 1, "tensor_add.onnx", "not a model"u8.ToArray());

        var error = await LoadFailsAsync(_servables.Config("add"));

        Assert.StartsWith($"Load model failed, servable 'add' version 1, model file '{path}', load error details: ", error.Message);
        Assert.True(error.Message.Length > 100, error.Message);
    }

    [Fact]
    public async Task A_model_stage_with_the_wrong_input_count_fails_at_registration()
    {
        _servables.WriteScript("add", """
            var model = DeclareModel("tensor_add.onnx", withBatchDim: false);
            RegisterMethod("one", outputs: ["y"], x1 => AddStage(model, x1));
            """);
        _servables.WriteModel("add", 1, "tensor_add.onnx", Fixtures.TensorAdd());

        var error = await LoadFailsAsync(_servables.Config("add"));

        Assert.Equal("Start servable failed, servable 'add' configuration error at servable_config.csx:line 2: "
            + "The inputs count 1 in register_method not equal to the count 2 defined in model", error.Message);
    }

    [Theory]
    [InlineData("GPU", "The device type 'GPU' of servable name add is inconsistent with current running environment, the CUDA execution provider of ONNX Runtime is not ")]
    [InlineData("ascend", "The device type 'Ascend' of servable name add is inconsistent with current running environment, ")]
    public async Task A_device_the_host_lacks_fails_at_startup(string deviceType, string expectedStart)
    {
        _servables.WriteAdd("add", 1);
        var config = _servables.Config("add");
        config.DeviceType = deviceType;

        var error = await LoadFailsAsync(config);

        Assert.StartsWith(expectedStart, error.Message);
    }

    [Fact]
    public async Task The_script_sees_the_common_usings_and_the_version_folder()
    {
        _servables.WriteScript("labels", """
            var labels = File.ReadAllLines(Path.Combine(VersionDirectory, "labels.txt")).Where(l => l.Length > 0).ToList();
            RegisterMethod($"count_{labels.Count}", outputs: ["y"], x => x);
            """);
        _servables.WriteModel("labels", 1, "labels.txt", "a\nb\nc\n"u8.ToArray());

        var version = await Loader().LoadAsync(_servables.Config("labels"), new ExecutionOptions(), CancellationToken.None).WaitAsync(s_timeout);
        await using var disposal = version.DisposeWithTimeout();

        Assert.Equal(["count_3"], version.Methods.Keys);
    }

    [Fact]
    public async Task A_model_path_is_relative_to_the_version_folder()
    {
        _servables.WriteScript("nested", """
            var model = DeclareModel("graphs/tensor_add.onnx", withBatchDim: false);
            RegisterMethod("add_common", outputs: ["y"], (x1, x2) => AddStage(model, x1, x2));
            """);
        _servables.WriteModel("nested", 4, "graphs/tensor_add.onnx", Fixtures.TensorAdd());

        var version = await Loader().LoadAsync(_servables.Config("nested"), new ExecutionOptions(), CancellationToken.None).WaitAsync(s_timeout);
        await using var disposal = version.DisposeWithTimeout();

        Assert.Equal(4, version.Number);
        await Predict.AssertAddsAsync(new SingleVersionCatalog(version), "nested");
    }
}

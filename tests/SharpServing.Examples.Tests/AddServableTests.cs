namespace SharpServing.Examples.Tests;

public sealed class AddServableTests(AddServableTests.Fixture fixture) : IClassFixture<AddServableTests.Fixture>
{
    private static readonly Tensor s_x1 = Tensor.Create(new float[] { 1, 2, 3, 4 }, 2, 2);
    private static readonly Tensor s_x2 = Tensor.Create(new float[] { 10, 20, 30.5f, -4 }, 2, 2);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Add_common_adds_the_two_tensors_in_each_version(ulong version)
    {
        var y = (await fixture.Servables.RunAsync("add", "add_common", Inputs(s_x1, s_x2), version))["y"];

        Assert.Equal(DataType.Float32, y.DataType);
        Assert.Equal([2L, 2L], y.Shape.ToArray());
        Assert.Equal([11f, 22f, 33.5f, 0f], y.ToArray<float>());
    }

    [Fact]
    public async Task Add_cast_casts_integer_and_double_inputs_to_float32_before_the_model()
    {
        var inputs = Inputs(Tensor.Create(new int[] { 1, 2, 3, 4 }, 2, 2), Tensor.Create(new double[] { 0.5, 0.25, -3, 1e3 }, 2, 2));

        var y = (await fixture.Servables.RunAsync("add", "add_cast", inputs))["y"];

        Assert.Equal(DataType.Float32, y.DataType);
        Assert.Equal([1.5f, 2.25f, 0f, 1004f], y.ToArray<float>());
    }

    [Fact]
    public async Task Add_common_refuses_integer_inputs_that_add_cast_accepts()
    {
        var reply = await fixture.Servables.CallAsync("add", "add_common", Inputs(Tensor.Create(new int[] { 1, 2, 3, 4 }, 2, 2), s_x1));

        var error = reply.Error ?? Assert.Single(reply.Instances).Error;
        Assert.NotNull(error);
    }

    [Fact]
    public void Both_versions_are_loaded_with_methods_taking_x1_and_x2_and_returning_y()
    {
        var versions = fixture.Servables.Versions.Where(v => v.Name == "add").ToList();

        Assert.Equal([1L, 2L], versions.Select(v => v.Number));
        foreach (var version in versions)
        {
            Assert.Equal(["add_cast", "add_common"], version.Methods.Keys.Order());
            Assert.All(version.Methods.Values, m => Assert.Equal(["x1", "x2"], m.Inputs));
            Assert.All(version.Methods.Values, m => Assert.Equal(["y"], m.Outputs));
        }
    }

    private static Dictionary<string, Tensor> Inputs(Tensor x1, Tensor x2) => new() { ["x1"] = x1, ["x2"] = x2 };

    public sealed class Fixture : IAsyncLifetime
    {
        public ExampleServables Servables { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            TestPaths.ServableFile("add", "1/tensor_add.onnx");
            TestPaths.ServableFile("add", "2/tensor_add.onnx");
            Servables = await ExampleServables.StartAsync(("add", 1), ("add", 2));
        }

        public async Task DisposeAsync() => await Servables.DisposeAsync();
    }
}

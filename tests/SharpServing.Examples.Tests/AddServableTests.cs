namespace SharpServing.Examples.Tests;

public sealed class AddServableTests
{
    private static readonly Tensor s_x1 = Tensor.Create(new float[] { 1, 2, 3, 4 }, 2, 2);
    private static readonly Tensor s_x2 = Tensor.Create(new float[] { 10, 20, 30.5f, -4 }, 2, 2);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Add_common_adds_the_two_tensors_in_each_version(long version)
    {
        TestPaths.ServableFile("add", $"{version}/tensor_add.onnx");
        using var servable = ServableHarness.Load("add", version);

        var y = servable.Run("add_common", s_x1, s_x2)["y"];

        Assert.Equal(DataType.Float32, y.DataType);
        Assert.Equal([2L, 2L], y.Shape.ToArray());
        Assert.Equal([11f, 22f, 33.5f, 0f], y.ToArray<float>());
    }

    [Fact]
    public void Add_cast_casts_integer_and_double_inputs_to_float32_before_the_model()
    {
        using var servable = ServableHarness.Load("add");

        var y = servable.Run("add_cast", Tensor.Create(new int[] { 1, 2, 3, 4 }, 2, 2), Tensor.Create(new double[] { 0.5, 0.25, -3, 1e3 }, 2, 2))["y"];

        Assert.Equal(DataType.Float32, y.DataType);
        Assert.Equal([1.5f, 2.25f, 0f, 1004f], y.ToArray<float>());
    }

    [Fact]
    public void The_methods_take_x1_and_x2_and_return_y()
    {
        using var servable = ServableHarness.Load("add");

        Assert.Equal(["add_common", "add_cast"], servable.Methods.Select(m => m.Name));
        Assert.All(servable.Methods, m => Assert.Equal(["x1", "x2"], m.Inputs));
        Assert.All(servable.Methods, m => Assert.Equal(["y"], m.Outputs));
    }
}

namespace SharpServing.Sdk.Tests;

public sealed class TensorTests
{
    [Fact]
    public void FromArray_MultiDimensional_TakesShapeAndRowMajorOrder()
    {
        var tensor = Tensor.FromArray(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        var cube = Tensor.FromArray(new int[2, 3, 4]);
        var strings = Tensor.FromArray(new[,] { { "a", "b" }, { "c", "d" } });

        Assert.Equal(DataType.Float32, tensor.DataType);
        Assert.Equal([2L, 3], tensor.Shape.ToArray());
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, tensor.ToArray<float>());
        Assert.Equal(24, cube.ElementCount);
        Assert.Equal(3, cube.Rank);
        Assert.Equal(DataType.String, strings.DataType);
        Assert.Equal("c", strings.GetString(2));
        Assert.Throws<ArgumentException>(() => Tensor.FromArray(new object[2]));
    }

    [Fact]
    public void Cast_FollowsNumpyAstype()
    {
        var floats = Tensor.Create(new float[] { -1.7f, 0.5f, 2.9f, 300.2f }, 4);

        Assert.Equal(new int[] { -1, 0, 2, 300 }, floats.Cast<int>().ToArray<int>());
        Assert.Equal(new byte[] { 44 }, Tensor.Create(new int[] { 300 }, 1).Cast<byte>().ToArray<byte>());
        Assert.Equal(new sbyte[] { -1 }, Tensor.Create(new ushort[] { 65535 }, 1).Cast<sbyte>().ToArray<sbyte>());
        Assert.Equal(new bool[] { true, false, true }, Tensor.Create(new double[] { 0.1, 0, -3 }, 3).Cast<bool>().ToArray<bool>());
        Assert.Equal(new Half[] { (Half)1.5, (Half)(-2) }, Tensor.Create(new double[] { 1.5, -2 }, 2).Cast<Half>().ToArray<Half>());
        Assert.Equal(new double[] { 18446744073709551615d }, Tensor.Create(new ulong[] { ulong.MaxValue }, 1).Cast<double>().ToArray<double>());
        Assert.Same(floats, floats.Cast<float>());
        Assert.Throws<InvalidOperationException>(() => Tensor.FromString("x").Cast<int>());
    }

    [Fact]
    public void ReadOnlyTensors_RefuseWritableSpans_UntilCloned()
    {
        var wrapped = Tensor.FromMemory(DataType.Int32, [2], new byte[8]);
        var created = Tensor.Create(new int[] { 1, 2 }, 2);

        Assert.True(wrapped.IsReadOnly);
        Assert.Throws<InvalidOperationException>(() => wrapped.AsWritableSpan<int>());
        var clone = wrapped.Clone();
        clone.AsWritableSpan<int>()[0] = 5;
        Assert.Equal(5, clone.ToArray<int>()[0]);
        Assert.Equal(0, wrapped.ToArray<int>()[0]);
        created.AsWritableSpan<int>()[1] = 9;
        Assert.Equal(new int[] { 1, 9 }, created.ToArray<int>());
        Assert.Throws<InvalidOperationException>(() => created.AsSpan<float>());
    }

    [Fact]
    public void Equality_ComparesTypeShapeAndContent()
    {
        var a = Tensor.Create(new int[] { 1, 2, 3, 4 }, 2, 2);

        Assert.Equal(a, Tensor.Create(new int[] { 1, 2, 3, 4 }, 2, 2));
        Assert.NotEqual(a, a.Reshape(4));
        Assert.NotEqual(a, Tensor.Create(new uint[] { 1, 2, 3, 4 }, 2, 2));
        Assert.NotEqual(a, Tensor.Create(new int[] { 1, 2, 3, 5 }, 2, 2));
        Assert.Equal(Tensor.FromStrings(["x", "y"]), Tensor.FromStrings(["x", "y"]));
        Assert.NotEqual(Tensor.FromStrings(["x", "y"]), Tensor.FromStrings(["x", "z"]));
        Assert.False(a.Equals(null));
    }

    [Fact]
    public void Shapes_AreChecked()
    {
        var scalar = Tensor.Scalar(3.5);

        Assert.Equal(0, scalar.Rank);
        Assert.Equal(1, scalar.ElementCount);
        Assert.Equal(3.5, scalar.ToScalar<double>());
        Assert.Equal(0, Tensor.Zeros<float>(0, 5).ElementCount);
        Assert.Equal("[2, 3]", Tensor.FormatShape([2, 3]));
        Assert.Throws<ArgumentException>(() => Tensor.Create(new int[5], 2, 3));
        Assert.Throws<ArgumentException>(() => Tensor.Zeros<int>(2, -1));
        Assert.Throws<ArgumentException>(() => Tensor.Create(new int[6], 2, 3).Reshape(4, 2));
        Assert.Throws<ArgumentException>(() => Tensor.FromMemory(DataType.Float32, [3], new byte[11]));
        Assert.Throws<OverflowException>(() => Tensor.Zeros<byte>(long.MaxValue, 2));
    }
}

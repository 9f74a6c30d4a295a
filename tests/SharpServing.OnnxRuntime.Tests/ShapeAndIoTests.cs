namespace SharpServing.OnnxRuntime.Tests;

public sealed class ShapeAndIoTests
{
    [Fact]
    public void One_session_runs_several_batch_sizes()
    {
        using var session = OrtSession.FromBytes(Fixtures.AddDynamicBatch(2));

        foreach (var batch in new[] { 1, 3, 8, 1, 64 })
        {
            var a = Enumerable.Range(0, batch * 2).Select(i => (float)i).ToArray();
            var b = Enumerable.Range(0, batch * 2).Select(i => 100f * i).ToArray();

            var y = Assert.Single(session.Run([Tensor.Create(a, batch, 2), Tensor.Create(b, batch, 2)]));

            Assert.Equal([(long)batch, 2L], y.Dims);
            Assert.Equal(a.Zip(b, (p, q) => p + q), y.ToArray<float>());
        }
    }

    [Fact]
    public void Symbolic_and_fixed_dims_are_reported()
    {
        using var dynamic = OrtSession.FromBytes(Fixtures.AddDynamicBatch(2));
        using var fixedShape = OrtSession.FromBytes(Fixtures.TensorAdd());

        var x1 = dynamic.Inputs[0];
        Assert.Equal("x1", x1.Name);
        Assert.Equal([-1L, 2L], x1.Shape);
        Assert.Equal(["batch", null], x1.SymbolicDims);
        Assert.True(x1.HasDynamicDims);
        Assert.Equal(["batch", null], dynamic.Outputs[0].SymbolicDims);

        Assert.Equal(["x1", "x2"], fixedShape.Inputs.Select(i => i.Name));
        Assert.Equal("y", Assert.Single(fixedShape.Outputs).Name);
        Assert.All(fixedShape.Inputs, i => Assert.Equal([2L, 2L], i.Shape));
        Assert.All(fixedShape.Inputs, i => Assert.Equal([null, null], i.SymbolicDims));
        Assert.False(fixedShape.Inputs[0].HasDynamicDims);
        Assert.Equal("x1: Float32[2, 2]", fixedShape.Inputs[0].ToString());
    }

    [Fact]
    public void Multiple_inputs_and_outputs_come_back_in_model_order()
    {
        using var session = OrtSession.FromBytes(Fixtures.SumAndProduct());

        var outputs = session.Run([Tensor.Create([1f, 2, 3, 4], 2, 2), Tensor.Create([5f, 6, 7, 8], 2, 2)]);

        Assert.Equal(["sum", "product"], session.Outputs.Select(o => o.Name));
        Assert.Equal(2, outputs.Count);
        Assert.Equal([6f, 8, 10, 12], outputs[0].ToArray<float>());
        Assert.Equal([5f, 12, 21, 32], outputs[1].ToArray<float>());
    }

    [Fact]
    public void Named_run_takes_inputs_in_any_order_and_returns_the_outputs_asked_for()
    {
        using var session = OrtSession.FromBytes(Fixtures.SumAndProduct());

        var outputs = session.Run(["b", "a"], [Tensor.Create([5f, 6], 1, 2), Tensor.Create([1f, 2], 1, 2)], ["product"]);

        Assert.Equal([5f, 12], Assert.Single(outputs).ToArray<float>());
        Assert.NotNull(session.FindInput("a"));
        Assert.Null(session.FindOutput("nope"));
    }

    [Fact]
    public void Input_without_batch_dim_takes_a_scalar()
    {
        using var session = OrtSession.FromBytes(Fixtures.ScaleByScalar());

        var y = Assert.Single(session.Run([Tensor.Create([1f, 2, 3, 4, 5, 6], 3, 2), Tensor.Scalar(0.5f)]));

        Assert.Empty(session.Inputs[1].Shape);
        Assert.Equal([0.5f, 1, 1.5f, 2, 2.5f, 3], y.ToArray<float>());
    }

    [Fact]
    public void Numeric_inputs_are_read_in_place_from_a_slice_of_a_larger_buffer()
    {
        // A tensor over bytes 4..20 of a bigger array: the pinned view, not the whole array, must reach ORT.
        var buffer = new byte[64];
        var values = new[] { 1f, 2, 3, 4 };
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).CopyTo(buffer.AsSpan(4));
        var x = Tensor.FromMemory(DataType.Float32, [2, 2], buffer.AsMemory(4, 16));
        using var session = OrtSession.FromBytes(Fixtures.TensorAdd());

        var y = Assert.Single(session.Run([x, x]));

        Assert.Equal([2f, 4, 6, 8], y.ToArray<float>());
    }

    [Fact]
    public void Concurrent_runs_on_one_session_each_get_their_own_results()
    {
        using var session = OrtSession.FromBytes(Fixtures.AddDynamicBatch(2), new ModelSessionOptions { IntraOpThreads = 1 });

        Parallel.For(0, 200, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var x = Tensor.Create([i, i + 1f], 1, 2);
            var y = session.Run([x, x])[0];
            Assert.Equal([2f * i, 2f * (i + 1)], y.ToArray<float>());
        });
    }

    [Fact]
    public void Concurrent_runs_of_a_fixed_shape_model_each_get_their_own_results()
    {
        // Small fixed-shape inputs and outputs go through values reused from run to run: no run may see another's.
        using var session = OrtSession.FromBytes(Fixtures.TensorAdd(), new ModelSessionOptions { IntraOpThreads = 1 });

        Parallel.For(0, 400, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var x = Tensor.Create([i, i + 1f, i + 2f, i + 3f], 2, 2);
            var y = session.Run([x, x])[0];
            Assert.Equal([2f * i, 2f * (i + 1), 2f * (i + 2), 2f * (i + 3)], y.ToArray<float>());
        });
    }

    [Fact]
    public void An_output_keeps_its_values_after_later_runs()
    {
        using var session = OrtSession.FromBytes(Fixtures.TensorAdd());

        var first = session.Run([Tensor.Create([1f, 2, 3, 4], 2, 2), Tensor.Create([10f, 20, 30, 40], 2, 2)])[0];
        var second = session.Run([Tensor.Create([5f, 6, 7, 8], 2, 2), Tensor.Create([1f, 1, 1, 1], 2, 2)])[0];

        Assert.Equal([11f, 22, 33, 44], first.ToArray<float>());
        Assert.Equal([6f, 7, 8, 9], second.ToArray<float>());
    }

    [Fact]
    public void A_fixed_shape_input_of_the_same_size_but_another_shape_is_refused()
    {
        using var session = OrtSession.FromBytes(Fixtures.TensorAdd());
        var flat = Tensor.Create([1f, 2, 3, 4], 4);

        Assert.Throws<OrtException>(() => session.Run([flat, flat]));
        // The session keeps serving.
        Assert.Equal([2f, 4, 6, 8], session.Run([Tensor.Create([1f, 2, 3, 4], 2, 2), Tensor.Create([1f, 2, 3, 4], 2, 2)])[0].ToArray<float>());
    }

    [Fact]
    public void Run_after_dispose_throws_ObjectDisposedException()
    {
        var session = OrtSession.FromBytes(Fixtures.TensorAdd());
        session.Dispose();
        session.Dispose();

        Assert.Throws<ObjectDisposedException>(() => session.Run([Tensor.Zeros<float>(2, 2), Tensor.Zeros<float>(2, 2)]));
    }

    [Fact]
    public void Model_file_on_disk_opens_like_its_bytes()
    {
        using var temp = new TempFolder();
        var path = temp.File("tensor_add.onnx");
        Fixtures.WriteTo(path, Fixtures.TensorAdd());
        using var session = OrtSession.FromFile(path);

        var y = session.Run([Tensor.Create([1f, 1, 1, 1], 2, 2), Tensor.Create([1f, 2, 3, 4], 2, 2)])[0];

        Assert.Equal([2f, 3, 4, 5], y.ToArray<float>());
    }
}

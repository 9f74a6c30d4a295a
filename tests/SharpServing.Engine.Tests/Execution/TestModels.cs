using SharpServing.ModelFixtures;

namespace SharpServing.Engine.Tests.Execution;

/// <summary>Models made for the execution tests, beyond the shared fixtures.</summary>
internal static class TestModels
{
    /// <summary>
    /// <c>y = x1 + x2</c> over float32 [2, 2] (batch 2 with a batch dim), and <c>total = sum(x1)</c> over the whole batch, a
    /// scalar without a batch dim: it reveals what the padding rows held.
    /// </summary>
    public static byte[] AddWithBatchSum()
        => new OnnxModelBuilder("add_batch_sum")
            .Input("x1", DataType.Float32, 2, 2).Input("x2", DataType.Float32, 2, 2)
            .Node("Add", ["x1", "x2"], ["y"])
            .Node("ReduceSum", ["x1"], ["total"], OnnxModelBuilder.Attribute("keepdims", 0L))
            .Output("y", DataType.Float32, 2, 2).Output("total", DataType.Float32)
            .ToBytes();

    /// <summary><c>y = reshape(x, [-1, 3])</c> with x float32 [batch, m]: fails in the runtime when m is not a multiple of 3.</summary>
    public static byte[] ReshapeToThree()
        => new OnnxModelBuilder("reshape")
            .Input("x", DataType.Float32, "batch", "m")
            .Initializer("shape", Tensor.Create(new long[] { -1, 3 }, 2))
            .Node("Reshape", ["x", "shape"], ["y"])
            .Output("y", DataType.Float32, "batch", 3)
            .ToBytes();
}

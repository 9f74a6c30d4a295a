namespace SharpServing.Engine.Tests.Execution;

internal static class ReplyAssert
{
    /// <summary>A request-wide error: exactly this code and text, no instances.</summary>
    public static void Error(InferReply reply, ErrorCode code, string text)
    {
        Assert.Equal(new ServingError(code, text), reply.Error);
        Assert.Empty(reply.Instances);
    }

    /// <summary>Every instance succeeded; returns the outputs of each.</summary>
    public static IReadOnlyList<IReadOnlyDictionary<string, Tensor>> Success(InferReply reply, int count)
    {
        Assert.Null(reply.Error);
        Assert.False(reply.HasInstanceErrors, string.Join("; ", reply.Instances.Select(i => i.Error?.Message)));
        Assert.Equal(count, reply.Instances.Count);
        return [.. reply.Instances.Select(i => (IReadOnlyDictionary<string, Tensor>)i.Outputs!.ToDictionary(o => o.Key, o => o.Value))];
    }

    public static void Floats(Tensor tensor, long[] shape, params float[] values)
    {
        Assert.Equal(DataType.Float32, tensor.DataType);
        Assert.Equal(shape, tensor.Dims);
        Assert.Equal(values, tensor.ToArray<float>());
    }
}

using Google.Protobuf;
using SharpServing.Internal;
using Proto = SharpServing.Protocol;

namespace SharpServing.ClientTests;

/// <summary>Spec 9.3: PredictReply messages built by hand, and the result the client makes of them.</summary>
public sealed class ReplyDecoderTests
{
    [Fact]
    public void OneErrorWithANonzeroCode_IsARequestWideError()
    {
        var reply = new Proto.PredictReply();
        reply.ErrorMsg.Add(Error(2, "Request servable(add_x) method(add_common) , servable is not available"));

        var result = ReplyDecoder.Decode(reply);

        Assert.True(result.IsRequestError);
        Assert.False(result.IsSuccess);
        Assert.Equal("Request servable(add_x) method(add_common) , servable is not available", result.Error);
        Assert.Equal(2, result.ErrorCode);
        Assert.Null(result.TransportStatus);
        Assert.Empty(result.Instances);
        var e = Assert.Throws<InferFailedException>(() => result.EnsureSuccess());
        Assert.Equal(result.Error, e.Message);
        Assert.Equal(2, e.ErrorCode);
        Assert.False(result.TryGetOutputs(0, out _));
    }

    [Fact]
    public void NoErrors_IsOneSuccessPerInstance()
    {
        var reply = new Proto.PredictReply();
        reply.Instances.Add(Instance(("y", Float32([2, 2], 1, 2, 3, 4))));
        reply.Instances.Add(Instance(("y", Float32([], 5))));

        var result = ReplyDecoder.Decode(reply);

        Assert.True(result.IsSuccess);
        Assert.Same(result, result.EnsureSuccess());
        Assert.Equal(2, result.Instances.Count);
        var y0 = result.Instances[0].GetOutput<Tensor>("y");
        Assert.Equal(DataType.Float32, y0.DataType);
        Assert.Equal([2L, 2L], y0.Dims);
        Assert.Equal([1f, 2f, 3f, 4f], y0.ToArray<float>());
        Assert.True(y0.IsReadOnly);
        var y1 = (Tensor)result.GetOutputs(1)["y"];
        Assert.Equal(0, y1.Rank);
        Assert.Equal(5f, y1.ToScalar<float>());
    }

    [Fact]
    public void OneErrorWithCodeZero_AndOneInstance_IsASuccess()
    {
        var reply = new Proto.PredictReply();
        reply.Instances.Add(Instance(("y", Float32([], 1))));
        reply.ErrorMsg.Add(Error(0, ""));

        var result = ReplyDecoder.Decode(reply);

        Assert.True(result.IsSuccess);
        Assert.True(result.TryGetOutputs(0, out var outputs));
        Assert.Equal(1f, ((Tensor)outputs["y"]).ToScalar<float>());
    }

    [Fact]
    public void OneErrorPerInstance_GivesPartialResults()
    {
        var reply = new Proto.PredictReply();
        reply.Instances.Add(Instance(("y", Float32([], 1))));
        reply.Instances.Add(new Proto.Instance());
        reply.Instances.Add(Instance(("y", Float32([], 3))));
        reply.ErrorMsg.Add(Error(0, ""));
        reply.ErrorMsg.Add(Error(2, "Given model input 1 size 12 not match the size 8 defined in model"));
        reply.ErrorMsg.Add(Error(0, ""));

        var result = ReplyDecoder.Decode(reply);

        Assert.False(result.IsRequestError);
        Assert.False(result.IsSuccess);
        Assert.Equal(3, result.Instances.Count);
        Assert.True(result.Instances[0].IsSuccess);
        Assert.False(result.Instances[1].IsSuccess);
        Assert.Null(result.Instances[1].Outputs);
        Assert.Equal("Given model input 1 size 12 not match the size 8 defined in model", result.Instances[1].Error);
        Assert.Equal(2, result.Instances[1].ErrorCode);
        Assert.Equal(3f, result.Instances[2].GetOutput<Tensor>("y").ToScalar<float>());
        Assert.False(result.TryGetOutputs(1, out _));
        Assert.Throws<InferFailedException>(() => result.GetOutputs(1));
        Assert.Throws<InferFailedException>(() => result.Instances[1].GetOutput<Tensor>("y"));
        var e = Assert.Throws<InferFailedException>(() => result.EnsureSuccess());
        Assert.Equal("Instance 1 failed: Given model input 1 size 12 not match the size 8 defined in model", e.Message);
    }

    [Theory]
    [InlineData(2, 3)]
    [InlineData(1, 0)]
    [InlineData(2, 0)]
    [InlineData(1, 3)]
    public void ErrorCountThatFitsNoForm_Throws(int errors, int instances)
    {
        var reply = new Proto.PredictReply();
        for (var i = 0; i < instances; i++)
        {
            reply.Instances.Add(new Proto.Instance());
        }
        for (var i = 0; i < errors; i++)
        {
            reply.ErrorMsg.Add(Error(0, ""));
        }

        var e = Assert.Throws<InvalidOperationException>(() => ReplyDecoder.Decode(reply));
        Assert.Equal($"error msg result size {errors} not be 0, 1 or length of instances {instances}", e.Message);
    }

    [Fact]
    public void ErrorTexts_AreUtf8()
    {
        var reply = new Proto.PredictReply();
        reply.ErrorMsg.Add(Error(3, "échec ✓"));

        Assert.Equal("échec ✓", ReplyDecoder.Decode(reply).Error);
    }

    [Fact]
    public void StringOutputs_AreAStringForOneItem_ElseAnArray()
    {
        Assert.Equal("ABC123", ReplyDecoder.DecodeTensor("y", Items(Proto.DataType.MsString, [], "ABC123")));
        Assert.Equal("x", ReplyDecoder.DecodeTensor("y", Items(Proto.DataType.MsString, [1], "x")));
        Assert.Equal(new[] { "a", "b" }, ReplyDecoder.DecodeTensor("y", Items(Proto.DataType.MsString, [2], "a", "b")));
        Assert.Equal(Array.Empty<string>(), ReplyDecoder.DecodeTensor("y", Items(Proto.DataType.MsString, [0])));
    }

    [Fact]
    public void BytesOutputs_AreAByteArrayForOneItem_ElseAnArrayOfThem()
    {
        Assert.Equal("ABC"u8.ToArray(), ReplyDecoder.DecodeTensor("y", Items(Proto.DataType.MsBytes, [], "ABC")));
        var many = Assert.IsType<byte[][]>(ReplyDecoder.DecodeTensor("y", Items(Proto.DataType.MsBytes, [2], "a", "bc")));
        Assert.Equal(["a"u8.ToArray(), "bc"u8.ToArray()], many);
    }

    public static TheoryData<Proto.DataType, DataType, int> NumericTypes() => new()
    {
        { Proto.DataType.MsBool, DataType.Bool, 1 },
        { Proto.DataType.MsInt8, DataType.Int8, 1 },
        { Proto.DataType.MsUint8, DataType.UInt8, 1 },
        { Proto.DataType.MsInt16, DataType.Int16, 2 },
        { Proto.DataType.MsUint16, DataType.UInt16, 2 },
        { Proto.DataType.MsInt32, DataType.Int32, 4 },
        { Proto.DataType.MsUint32, DataType.UInt32, 4 },
        { Proto.DataType.MsInt64, DataType.Int64, 8 },
        { Proto.DataType.MsUint64, DataType.UInt64, 8 },
        { Proto.DataType.MsFloat16, DataType.Float16, 2 },
        { Proto.DataType.MsFloat32, DataType.Float32, 4 },
        { Proto.DataType.MsFloat64, DataType.Float64, 8 },
    };

    [Theory]
    [MemberData(nameof(NumericTypes))]
    public void NumericOutputs_AreReadOnlyTensorsOfTheirType(Proto.DataType wire, DataType expected, int itemSize)
    {
        var data = Enumerable.Range(1, 3 * itemSize).Select(i => (byte)i).ToArray();
        var message = new Proto.Tensor { Dtype = wire, Shape = new Proto.TensorShape { Dims = { 3 } }, Data = ByteString.CopyFrom(data) };

        var tensor = Assert.IsType<Tensor>(ReplyDecoder.DecodeTensor("y", message));

        Assert.Equal(expected, tensor.DataType);
        Assert.Equal([3L], tensor.Dims);
        Assert.Equal(data, tensor.Data.ToArray());
        Assert.True(tensor.IsReadOnly);
    }

    [Fact]
    public void NumericOutput_WithoutShape_IsZeroD()
    {
        var message = new Proto.Tensor { Dtype = Proto.DataType.MsInt64, Data = ByteString.CopyFrom(BitConverter.GetBytes(3L)) };

        var tensor = Assert.IsType<Tensor>(ReplyDecoder.DecodeTensor("y", message));

        Assert.Equal(0, tensor.Rank);
        Assert.Equal(3L, tensor.ToScalar<long>());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(15)]
    [InlineData(-1)]
    public void UnknownDataType_Throws(int dtype)
    {
        var reply = new Proto.PredictReply();
        reply.Instances.Add(Instance(("y", new Proto.Tensor { Dtype = (Proto.DataType)dtype })));

        var e = Assert.Throws<InvalidOperationException>(() => ReplyDecoder.Decode(reply));
        Assert.Equal($"Unknown data type {dtype}", e.Message);
    }

    [Fact]
    public void NumericOutput_WithWrongDataLength_Throws()
    {
        var message = Float32([2, 2], 1, 2, 3);

        var e = Assert.Throws<InvalidOperationException>(() => ReplyDecoder.DecodeTensor("y", message));
        Assert.StartsWith("Output y is malformed: Float32 dims [2, 2] with 12 data bytes.", e.Message);
    }

    [Fact]
    public void NumericOutput_WithNegativeDim_Throws()
    {
        var message = new Proto.Tensor { Dtype = Proto.DataType.MsFloat32, Shape = new Proto.TensorShape { Dims = { -1 } } };

        Assert.Throws<InvalidOperationException>(() => ReplyDecoder.DecodeTensor("y", message));
    }

    private static Proto.ErrorMsg Error(long code, string text) => new() { ErrorCode = code, ErrorMsg_ = ByteString.CopyFromUtf8(text) };

    private static Proto.Instance Instance(params (string Name, Proto.Tensor Tensor)[] items)
    {
        var instance = new Proto.Instance();
        foreach (var (name, tensor) in items)
        {
            instance.Items[name] = tensor;
        }
        return instance;
    }

    private static Proto.Tensor Float32(long[] dims, params float[] values)
    {
        var tensor = new Proto.Tensor { Dtype = Proto.DataType.MsFloat32, Shape = new Proto.TensorShape() };
        tensor.Shape.Dims.Add(dims);
        tensor.Data = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        return tensor;
    }

    private static Proto.Tensor Items(Proto.DataType dataType, long[] dims, params string[] items)
    {
        var tensor = new Proto.Tensor { Dtype = dataType, Shape = new Proto.TensorShape() };
        tensor.Shape.Dims.Add(dims);
        tensor.BytesVal.Add(items.Select(ByteString.CopyFromUtf8));
        return tensor;
    }
}

using System.Buffers.Binary;
using static SharpServing.Server.Tests.Rest.RestParsing;

namespace SharpServing.Server.Tests.Rest;

public sealed class RestB64ObjectTests
{
    [Fact]
    public void SpecExamples_Section10Item30()
    {
        var ints = Value("{\"b64\":\"AQAAAAIAAAA=\",\"type\":\"int32\",\"shape\":[2]}");
        Assert.Equal(DataType.Int32, ints.DataType);
        Assert.Equal([2L], ints.Dims);
        Assert.Equal([1, 2], ints.ToArray<int>());

        var halves = Value("{\"b64\":\"AD4AQA==\",\"type\":\"fp16\",\"shape\":[2]}");
        Assert.Equal(DataType.Float16, halves.DataType);
        Assert.Equal([(Half)1.5, (Half)2.0], halves.ToArray<Half>());

        var bytes = Value("{\"b64\":\"QUJD\"}");
        Assert.Equal(DataType.Bytes, bytes.DataType);
        Assert.Empty(bytes.Dims);
        Assert.Equal("ABC"u8.ToArray(), bytes.GetItem().ToArray());

        Assert.Equal("json object, specified type:'dtype_unknow' is illegal",
            ValueError("{\"b64\":\"AQAAAAIAAAA=\",\"type\":\"dtype_unknow\",\"shape\":[2]}"));
        Assert.Equal("size is not matched, decode base64 size:0; Given info: type:float16; type size:2; element nums:1",
            ValueError("{\"b64\":\"\",\"type\":\"fp16\",\"shape\":[1,1]}"));
    }

    public static TheoryData<string, DataType, int> AllTypeNames => new()
    {
        { "int8", DataType.Int8, 1 }, { "int16", DataType.Int16, 2 }, { "int32", DataType.Int32, 4 }, { "int64", DataType.Int64, 8 },
        { "uint8", DataType.UInt8, 1 }, { "uint16", DataType.UInt16, 2 }, { "uint32", DataType.UInt32, 4 }, { "uint64", DataType.UInt64, 8 },
        { "fp16", DataType.Float16, 2 }, { "float16", DataType.Float16, 2 }, { "fp32", DataType.Float32, 4 }, { "float32", DataType.Float32, 4 },
        { "fp64", DataType.Float64, 8 }, { "float64", DataType.Float64, 8 }, { "bool", DataType.Bool, 1 },
    };

    [Theory]
    [MemberData(nameof(AllTypeNames))]
    public void NumericTypes_DecodeExactBytesAndShape(string name, DataType type, int itemSize)
    {
        var bytes = Enumerable.Range(0, 6 * itemSize).Select(i => (byte)(i * 37 + 11)).ToArray();
        var tensor = Value($"{{\"b64\":\"{Convert.ToBase64String(bytes)}\",\"type\":\"{name}\",\"shape\":[2,3]}}");

        Assert.Equal(type, tensor.DataType);
        Assert.Equal([2L, 3L], tensor.Dims);
        Assert.Equal(bytes, tensor.Data.ToArray());

        var canonical = name switch { "fp16" => "float16", "fp32" => "float32", "fp64" => "float64", _ => name };
        Assert.Equal(
            $"size is not matched, decode base64 size:{bytes.Length}; Given info: type:{canonical}; type size:{itemSize}; element nums:7",
            ValueError($"{{\"b64\":\"{Convert.ToBase64String(bytes)}\",\"type\":\"{name}\",\"shape\":[7]}}"));
    }

    [Theory]
    [InlineData("str", DataType.String)]
    [InlineData("bytes", DataType.Bytes)]
    public void ItemTypes_HoldThePayload(string name, DataType type)
    {
        foreach (var shape in new[] { "", ",\"shape\":[]", ",\"shape\":[1]" })
        {
            var tensor = Value($"{{\"b64\":\"/wBBQg==\",\"type\":\"{name}\"{shape}}}");
            Assert.Equal(type, tensor.DataType);
            Assert.Equal(shape.Contains("[1]") ? [1L] : Array.Empty<long>(), tensor.Dims);
            Assert.Equal(new byte[] { 0xFF, 0x00, 0x41, 0x42 }, tensor.GetItem().ToArray());
        }
    }

    [Fact]
    public void DefaultsAreBytesAndScalar_ZeroSizeShapesAllowed()
    {
        var empty = Value("{\"b64\":\"\",\"type\":\"int32\",\"shape\":[0]}");
        Assert.Equal([0L], empty.Dims);
        Assert.Equal(0, empty.ByteSize);

        var trailingZero = Value("{\"b64\":\"\",\"type\":\"int8\",\"shape\":[3,0]}");
        Assert.Equal([3L, 0L], trailingZero.Dims);

        var scalar = Value("{\"shape\":[],\"b64\":\"AAAAAAAA8D8=\",\"type\":\"fp64\"}");
        Assert.Empty(scalar.Dims);
        Assert.Equal(1.0, scalar.ToScalar<double>());

        Assert.Equal("", Value("{\"b64\":\"\"}").GetString());
        Assert.Equal("ABC", Value("{\"b64\":\"QUJ\\u0044\",\"type\":\"str\"}").GetString());
        Assert.Equal([0x41], Value("{\"b64\":\"QR==\"}").GetItem().ToArray());
    }

    [Fact]
    public void DimsAllZero_PassTheObjectCheck_ButNotTheTensorCheck()
    {
        Assert.Equal("Tensor check failed: input  shape [0, 0] invalid", Invalid("{\"b64\":\"\",\"type\":\"int32\",\"shape\":[0,0]}"));
    }

    [Theory]
    [InlineData("{\"b64\":\"QUJD\",\"type\":\"bytes\",\"shape\":[],\"x\":1}", "json object, items size is more than 3, only support specified ['b64', 'type', 'shape']")]
    [InlineData("{\"b64\":\"QUJD\",\"b64\":\"QUJD\",\"b64\":\"QUJD\",\"b64\":\"QUJD\"}", "json object, items size is more than 3, only support specified ['b64', 'type', 'shape']")]
    [InlineData("{\"b64\":\"QUJD\",\"x\":1}", "json object, key is not ['b64', 'type', 'shape'], fail key:x")]
    [InlineData("{\"y\":null,\"b64\":5,\"x\":1}", "json object, key is not ['b64', 'type', 'shape'], fail key:y")]
    [InlineData("{\"type\":5,\"q\":1}", "json object, key is not ['b64', 'type', 'shape'], fail key:q")]
    [InlineData("{\"B64\":\"QUJD\"}", "json object, key is not ['b64', 'type', 'shape'], fail key:B64")]
    [InlineData("{}", "json object, 'b64' should be specified only one time")]
    [InlineData("{\"type\":\"int32\"}", "json object, 'b64' should be specified only one time")]
    [InlineData("{\"b64\":\"QUJD\",\"b64\":\"QUJD\"}", "json object, 'b64' should be specified only one time")]
    [InlineData("{\"b64\":5}", "get scalar data failed, type is string, but json is not string type")]
    [InlineData("{\"b64\":null,\"type\":5}", "get scalar data failed, type is string, but json is not string type")]
    [InlineData("{\"b64\":[\"QUJD\"]}", "get scalar data failed, type is string, but json is not string type")]
    [InlineData("{\"b64\":\"QUJD\",\"type\":5}", "json object, key is 'type', value should be string type")]
    [InlineData("{\"b64\":\"QUJD\",\"type\":[\"str\"],\"shape\":5}", "json object, key is 'type', value should be string type")]
    [InlineData("{\"b64\":\"QUJD\",\"type\":\"dtype_unknow\"}", "json object, specified type:'dtype_unknow' is illegal")]
    [InlineData("{\"b64\":\"QUJD\",\"type\":\"INT32\"}", "json object, specified type:'INT32' is illegal")]
    [InlineData("{\"b64\":\"QUJD\",\"type\":\"string\"}", "json object, specified type:'string' is illegal")]
    [InlineData("{\"b64\":\"QUJD\",\"type\":\"bad\",\"shape\":5}", "json object, specified type:'bad' is illegal")]
    [InlineData("{\"b64\":\"QUJD\",\"shape\":5}", "json object, key is 'shape', value should be array type")]
    [InlineData("{\"b64\":\"QUJD\",\"shape\":{}}", "json object, key is 'shape', value should be array type")]
    [InlineData("{\"b64\":\"QUJD\",\"shape\":[-1]}", "json object, key is 'shape', array value should be unsigned integer")]
    [InlineData("{\"b64\":\"QUJD\",\"shape\":[1.1]}", "json object, key is 'shape', array value should be unsigned integer")]
    [InlineData("{\"b64\":\"QUJD\",\"shape\":[1e0]}", "json object, key is 'shape', array value should be unsigned integer")]
    [InlineData("{\"b64\":\"QUJD\",\"shape\":[\"abc\"]}", "json object, key is 'shape', array value should be unsigned integer")]
    [InlineData("{\"b64\":\"QUJD\",\"shape\":[[]]}", "json object, key is 'shape', array value should be unsigned integer")]
    [InlineData("{\"b64\":\"QUJD\",\"shape\":[1,null]}", "json object, key is 'shape', array value should be unsigned integer")]
    [InlineData("{\"b64\":\"QUJD\",\"shape\":[0,-1]}", "json object, key is 'shape', array value should be unsigned integer")]
    [InlineData("{\"b64\":\"QUJD\",\"type\":\"int8\",\"shape\":[1,2,0,1]}", "json object, key is 'shape', invalid shape value [1,2,0,1]")]
    [InlineData("{\"b64\":\"QUJD\",\"type\":\"int8\",\"shape\":[0,3]}", "json object, key is 'shape', invalid shape value [0,3]")]
    [InlineData("{\"b64\":\"QUJD\",\"type\":\"str\",\"shape\":[2]}", "json object, only support scalar when data type is string or bytes, please check 'type' or 'shape'")]
    [InlineData("{\"b64\":\"QUJD\",\"shape\":[0]}", "json object, only support scalar when data type is string or bytes, please check 'type' or 'shape'")]
    [InlineData("{\"b64\":\"QUJ\",\"shape\":[1,2]}", "json object, only support scalar when data type is string or bytes, please check 'type' or 'shape'")]
    [InlineData("{\"b64\":\"QUJ\"}", "'QUJ' is illegal b64 encode string")]
    [InlineData("{\"b64\":\"QUJD\\n\"}", "'QUJD\n' is illegal b64 encode string")]
    [InlineData("{\"b64\":\"QUJDR\",\"type\":\"int8\",\"shape\":[1]}", "'QUJDR' is illegal b64 encode string")]
    [InlineData("{\"b64\":\"QU!D\"}", "decode base64 failed, size is not matched.")]
    [InlineData("{\"b64\":\"QU D\"}", "decode base64 failed, size is not matched.")]
    [InlineData("{\"b64\":\"QU=D\"}", "decode base64 failed, size is not matched.")]
    [InlineData("{\"b64\":\"Q===\"}", "decode base64 failed, size is not matched.")]
    [InlineData("{\"b64\":\"====\"}", "decode base64 failed, size is not matched.")]
    [InlineData("{\"b64\":\"QQ==QUJD\"}", "decode base64 failed, size is not matched.")]
    [InlineData("{\"b64\":\"QUJD-_==\"}", "decode base64 failed, size is not matched.")]
    [InlineData("{\"b64\":\"QUJD\",\"type\":\"int32\",\"shape\":[2]}", "size is not matched, decode base64 size:3; Given info: type:int32; type size:4; element nums:2")]
    [InlineData("{\"b64\":\"AAAAAAAA\",\"type\":\"fp32\"}", "size is not matched, decode base64 size:6; Given info: type:float32; type size:4; element nums:1")]
    public void ObjectChecks_InOrder(string value, string expected)
    {
        Assert.Equal(expected, ValueError(value));
    }

    [Fact]
    public void BoolPayload_KeepsRawBytes()
    {
        var tensor = Value("{\"b64\":\"AAEC\",\"type\":\"bool\",\"shape\":[3]}");

        Assert.Equal(new byte[] { 0, 1, 2 }, tensor.Data.ToArray());
    }

    [Fact]
    public void LargeInt64Payload_RoundTrips()
    {
        var values = new long[] { long.MinValue, -1, 0, long.MaxValue };
        var bytes = new byte[32];
        for (var i = 0; i < 4; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * 8), values[i]);
        }

        var tensor = Value($"{{\"b64\":\"{Convert.ToBase64String(bytes)}\",\"type\":\"int64\",\"shape\":[2,2]}}");

        Assert.Equal(values, tensor.ToArray<long>());
    }
}

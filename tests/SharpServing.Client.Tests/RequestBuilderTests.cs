using System.Collections;
using Google.Protobuf;
using SharpServing.Internal;
using Proto = SharpServing.Protocol;

namespace SharpServing.ClientTests;

/// <summary>Spec 9.2: every C# value form and its wire tensor, and the texts of the values that have none.</summary>
public sealed class RequestBuilderTests
{
    [Fact]
    public void Float32Scalar_IsTheSpecsWireExample()
    {
        var tensor = RequestBuilder.Encode(1.0f);

        // Spec 2.3: float32 0-d 1.0 = 10 0B 1A 04 00 00 80 3F, with the shape sent as 0A 00.
        Assert.Equal(Convert.FromHexString("0A00100B1A040000803F"), tensor.ToByteArray());
    }

    [Fact]
    public void RectangularArray_KeepsItsShapeAndRowMajorOrder()
    {
        var tensor = RequestBuilder.Encode(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } });

        Assert.Equal(Proto.DataType.MsFloat32, tensor.Dtype);
        Assert.Equal([2L, 3L], tensor.Shape.Dims);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, Floats(tensor.Data));
        Assert.Empty(tensor.BytesVal);
    }

    public static TheoryData<Array, Proto.DataType, long[], string> Arrays() => new()
    {
        { new bool[] { true, false, true }, Proto.DataType.MsBool, [3], "010001" },
        { new sbyte[] { -1, 2 }, Proto.DataType.MsInt8, [2], "FF02" },
        { new byte[,] { { 1, 2 } }, Proto.DataType.MsUint8, [1, 2], "0102" },
        { new short[] { -2 }, Proto.DataType.MsInt16, [1], "FEFF" },
        { new ushort[] { 0x0102 }, Proto.DataType.MsUint16, [1], "0201" },
        { new int[,,] { { { 1 }, { 2 } } }, Proto.DataType.MsInt32, [1, 2, 1], "0100000002000000" },
        { new uint[] { 0x01020304 }, Proto.DataType.MsUint32, [1], "04030201" },
        { new long[] { -1 }, Proto.DataType.MsInt64, [1], "FFFFFFFFFFFFFFFF" },
        { new ulong[] { 1 }, Proto.DataType.MsUint64, [1], "0100000000000000" },
        { new Half[] { (Half)1.5, (Half)2.0 }, Proto.DataType.MsFloat16, [2], "003E0040" },
        { new double[] { 1.0 }, Proto.DataType.MsFloat64, [1], "000000000000F03F" },
        { Array.Empty<float>(), Proto.DataType.MsFloat32, [0], "" },
        { new float[2, 0], Proto.DataType.MsFloat32, [2, 0], "" },
    };

    [Theory]
    [MemberData(nameof(Arrays))]
    public void NumericArrays_MapToTheirDataType(Array array, Proto.DataType dataType, long[] dims, string hex)
    {
        var tensor = RequestBuilder.Encode(array);

        Assert.Equal(dataType, tensor.Dtype);
        Assert.Equal(dims, tensor.Shape.Dims);
        Assert.Equal(hex, Convert.ToHexString(tensor.Data.Span));
    }

    [Fact]
    public void String_IsOneUtf8Item_WithDims1()
    {
        var tensor = RequestBuilder.Encode("héllo");

        Assert.Equal(Proto.DataType.MsString, tensor.Dtype);
        Assert.Equal([1L], tensor.Shape.Dims);
        Assert.Equal("héllo", Assert.Single(tensor.BytesVal).ToStringUtf8());
        Assert.True(tensor.Data.IsEmpty);
    }

    [Fact]
    public void ByteArray_IsOneBytesItem_NotAUint8Tensor()
    {
        var tensor = RequestBuilder.Encode(new byte[] { 0, 1, 255 });

        Assert.Equal(Proto.DataType.MsBytes, tensor.Dtype);
        Assert.Equal([1L], tensor.Shape.Dims);
        Assert.Equal(new byte[] { 0, 1, 255 }, Assert.Single(tensor.BytesVal).ToByteArray());
    }

    public static TheoryData<object, Proto.DataType, long[], string> Scalars() => new()
    {
        // Python bool/int/float analogues: dims [1].
        { true, Proto.DataType.MsBool, [1], "01" },
        { 7, Proto.DataType.MsInt64, [1], "0700000000000000" },
        { -2L, Proto.DataType.MsInt64, [1], "FEFFFFFFFFFFFFFF" },
        { 1.0, Proto.DataType.MsFloat64, [1], "000000000000F03F" },
        // numpy scalar analogues: 0-d.
        { (sbyte)-1, Proto.DataType.MsInt8, [], "FF" },
        { (byte)2, Proto.DataType.MsUint8, [], "02" },
        { (short)3, Proto.DataType.MsInt16, [], "0300" },
        { (ushort)4, Proto.DataType.MsUint16, [], "0400" },
        { 5u, Proto.DataType.MsUint32, [], "05000000" },
        { 6ul, Proto.DataType.MsUint64, [], "0600000000000000" },
        { (Half)1.5, Proto.DataType.MsFloat16, [], "003E" },
        { 1.0f, Proto.DataType.MsFloat32, [], "0000803F" },
    };

    [Theory]
    [MemberData(nameof(Scalars))]
    public void Scalars_MapToTheirDataTypeAndDims(object value, Proto.DataType dataType, long[] dims, string hex)
    {
        var tensor = RequestBuilder.Encode(value);

        Assert.Equal(dataType, tensor.Dtype);
        Assert.Equal(dims, tensor.Shape.Dims);
        Assert.Equal(hex, Convert.ToHexString(tensor.Data.Span));
    }

    [Fact]
    public void Tensor_IsSentAsItIs()
    {
        var numeric = Tensor.Create(new int[] { 1, 2, 3, 4 }, 2, 2);
        var strings = Tensor.FromStrings(["a", "bc"]);
        var bytes = Tensor.FromBytes(new byte[] { 9 });

        var n = RequestBuilder.Encode(numeric);
        var s = RequestBuilder.Encode(strings);
        var b = RequestBuilder.Encode(bytes);

        Assert.Equal(Proto.DataType.MsInt32, n.Dtype);
        Assert.Equal([2L, 2L], n.Shape.Dims);
        Assert.Equal(numeric.Data.ToArray(), n.Data.ToByteArray());
        Assert.Equal(Proto.DataType.MsString, s.Dtype);
        Assert.Equal([2L], s.Shape.Dims);
        Assert.Equal(["a", "bc"], s.BytesVal.Select(i => i.ToStringUtf8()));
        Assert.Equal(Proto.DataType.MsBytes, b.Dtype);
        Assert.Empty(b.Shape.Dims);
        Assert.Equal(new byte[] { 9 }, Assert.Single(b.BytesVal).ToByteArray());
    }

    public static TheoryData<object?, string> Unsupported() => new()
    {
        { new string[] { "a" }, "Unknown data type string" },
        { new int[][] { [1] }, "Unknown data type int[]" },
        { new object[] { 1 }, "Unknown data type object" },
        { new DayOfWeek[] { DayOfWeek.Monday }, "Unknown data type DayOfWeek" },
        { new byte[][] { [1] }, "Unknown data type byte[]" },
        { new List<int> { 1 }, "Not support value type List<int>" },
        { null, "Not support value type null" },
        { new Dictionary<string, int>(), "Not support value type Dictionary<string, int>" },
        { 1.5m, "Not support value type decimal" },
        { 'c', "Not support value type char" },
        { DayOfWeek.Monday, "Not support value type DayOfWeek" },
        { new ReadOnlyMemory<byte>([1]), "Not support value type ReadOnlyMemory<byte>" },
    };

    [Theory]
    [MemberData(nameof(Unsupported))]
    public void ValuesWithoutATensorForm_Throw(object? value, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => RequestBuilder.Encode(value));
        Assert.Equal(expected, e.Message);
    }

    [Fact]
    public void Build_OneMap_IsOneInstance_InField2()
    {
        var request = RequestBuilder.Build(Spec(), new Dictionary<string, object> { ["x1"] = 1.0f, ["x2"] = "a" });

        var instance = Assert.Single(request.Instances);
        Assert.Equal(["x1", "x2"], instance.Items.Keys.Order());
        Assert.Empty(request.LegacyInstances);
        Assert.Equal("add", request.ServableSpec.Name);
        Assert.Equal("add_common", request.ServableSpec.MethodName);
        Assert.Equal(2ul, request.ServableSpec.VersionNumber);
    }

    [Fact]
    public void Build_ListOfMaps_KeepsTheirOrder()
    {
        var instances = Enumerable.Range(0, 3)
            .Select(i => (IReadOnlyDictionary<string, object>)new Dictionary<string, object> { ["x"] = (float)i })
            .ToList();

        var request = RequestBuilder.Build(Spec(), instances);

        Assert.Equal([0f, 1f, 2f], request.Instances.Select(i => Floats(i.Items["x"].Data)[0]));
    }

    [Fact]
    public void Build_AcceptsArraysOfMapsAndTypedDictionaries()
    {
        var typed = new Dictionary<string, float[]> { ["x"] = [1, 2] };
        var request = RequestBuilder.Build(Spec(), new object[] { typed, new Dictionary<string, object> { ["y"] = 1 } });

        Assert.Equal(2, request.Instances.Count);
        Assert.Equal([2L], request.Instances[0].Items["x"].Shape.Dims);
        Assert.Equal(Proto.DataType.MsInt64, request.Instances[1].Items["y"].Dtype);
    }

    [Fact]
    public void Build_EmptyList_IsZeroInstances()
    {
        var request = RequestBuilder.Build(Spec(), Array.Empty<IReadOnlyDictionary<string, object>>());
        Assert.Empty(request.Instances);
    }

    public static TheoryData<object?> NotMaps() => new()
    {
        null,
        "x1",
        1.0f,
        new float[] { 1 },
        new object[] { new Dictionary<string, object>(), 1 },
        new List<object?> { null },
    };

    [Theory]
    [MemberData(nameof(NotMaps))]
    public void Build_InstancesThatAreNotMaps_Throw(object? instances)
    {
        var e = Assert.Throws<ArgumentException>(() => RequestBuilder.Build(Spec(), instances));
        Assert.Equal("instance should be a map", e.Message);
    }

    [Fact]
    public void Build_NonStringKey_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => RequestBuilder.Build(Spec(), new Hashtable { [1] = 1.0f }));
        Assert.Equal("key of instance should be a string", e.Message);
    }

    [Fact]
    public void Build_BadValue_ThrowsThroughTheClient()
    {
        using var client = new Client("127.0.0.1:1", "add", "add_common");

        var e = Assert.Throws<ArgumentException>(() => client.Infer(new Dictionary<string, object> { ["x"] = new List<int> { 1 } }));
        Assert.Equal("Not support value type List<int>", e.Message);
        // InferAsync checks at once too, before any task exists.
        var a = Assert.Throws<ArgumentException>(() => { _ = client.InferAsync(42); });
        Assert.Equal("instance should be a map", a.Message);
    }

    private static Proto.ServableSpec Spec() => new() { Name = "add", MethodName = "add_common", VersionNumber = 2 };

    private static float[] Floats(ByteString data) => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(data.Span).ToArray();
}

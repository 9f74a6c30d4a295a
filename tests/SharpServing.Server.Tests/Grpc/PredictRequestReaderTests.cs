using System.Runtime.InteropServices;
using Google.Protobuf;
using SharpServing.Engine;
using SharpServing.Protocol;
using SharpServing.Server.Grpc.Internal;
using static SharpServing.Server.Tests.Grpc.Wire;

namespace SharpServing.Server.Tests.Grpc;

/// <summary>The PredictRequest reader against messages that Google.Protobuf wrote, including protobuf's merge rules.</summary>
public sealed class PredictRequestReaderTests
{
    [Fact]
    public void Request_tensors_are_read_only_slices_of_one_copy_of_the_message()
    {
        var bytes = AddRequest(Instance(("x1", Float32([1, 2, 3, 4], 2, 2)), ("x2", Filled(1.5f, 2, 2)))).ToByteArray();

        var infer = PredictRequestReader.Parse(bytes);

        var x1 = infer.Instances.Single()["x1"].Tensor!;
        var x2 = infer.Instances.Single()["x2"].Tensor!;
        Assert.True(x1.IsReadOnly);
        Assert.Equal([1f, 2f, 3f, 4f], x1.ToArray<float>());
        Assert.Equal([1.5f, 1.5f, 1.5f, 1.5f], x2.ToArray<float>());
        Assert.Equal([2L, 2L], x1.Dims);
        Assert.True(MemoryMarshal.TryGetArray(x1.Data, out var a1) && MemoryMarshal.TryGetArray(x2.Data, out var a2) && a1.Array == a2.Array);
        Assert.Same(bytes, a1.Array);
        Assert.Throws<InvalidOperationException>(() => x1.AsWritableSpan<float>());
    }

    [Fact]
    public void Spec_and_version_pass_through_and_field_2_wins_over_field_3()
    {
        var request = Request("add", "m", ulong.MaxValue, AddInstance(1));
        request.LegacyInstances.Add(Instance(("z", Filled(1))));

        var infer = PredictRequestReader.Parse(request.ToByteArray());

        Assert.Equal(("add", "m", ulong.MaxValue), (infer.Servable, infer.Method, infer.Version));
        Assert.Equal(["x1", "x2"], infer.Instances.Single().Keys.Order());
    }

    [Fact]
    public void Legacy_instances_are_used_when_field_2_is_empty()
    {
        var request = Request("add", "m", 2);
        request.LegacyInstances.Add(Instance(("z", Filled(1, 1))));

        var infer = PredictRequestReader.Parse(request.ToByteArray());

        Assert.Equal([1f], infer.Instances.Single()["z"].Tensor!.ToArray<float>());
    }

    [Fact]
    public void Missing_spec_and_shape_mean_empty_names_and_a_0d_tensor()
    {
        var request = new PredictRequest();
        request.Instances.Add(Instance(("s", new Protocol.Tensor { Dtype = Protocol.DataType.MsInt64, Data = ByteString.CopyFrom(new byte[8]) })));

        var infer = PredictRequestReader.Parse(request.ToByteArray());

        Assert.Equal(("", "", 0UL), (infer.Servable, infer.Method, infer.Version));
        Assert.Equal(0, infer.Instances[0]["s"].Tensor!.Rank);
    }

    [Fact]
    public void Strings_bytes_and_invalid_tensors_map_as_the_dispatcher_expects()
    {
        var instance = Instance(
            ("s", Items(Protocol.DataType.MsString, [1], "héllo"u8.ToArray())),
            ("b", Items(Protocol.DataType.MsBytes, [], [0, 255])),
            ("two", Items(Protocol.DataType.MsString, [1], "a"u8.ToArray(), "b"u8.ToArray())),
            ("short", Numeric(Protocol.DataType.MsFloat32, new byte[15], 2, 2)),
            ("unknown", Numeric(Protocol.DataType.MsUnknown, [])),
            ("shm", new Protocol.Tensor { Dtype = Protocol.DataType.MsFloat32, ShmData = new ShmTensorData { MemoryKey = "k" } }));

        var inputs = PredictRequestReader.Parse(AddRequest(instance).ToByteArray()).Instances.Single();

        Assert.Equal("héllo", inputs["s"].Tensor!.GetString());
        Assert.Equal([0, 255], inputs["b"].Tensor!.GetItem().ToArray());
        Assert.Equal("Instance tensor check failed: bytes or string type shape batch size can only be 1", inputs["two"].InvalidDetail);
        Assert.Equal("Tensor check failed: input data size 15 invalid", inputs["short"].InvalidDetail);
        Assert.Equal(WireTensorCheck.UnknownDataType, inputs["unknown"].InvalidDetail);
        Assert.Equal(WireTensorCheck.SharedMemory, inputs["shm"].InvalidDetail);
    }

    [Fact]
    public void Concatenated_messages_merge_as_protobuf_merges_them()
    {
        // Two serialized messages back to back parse as the first merged with the second.
        var first = Request("add", "m", 1);
        var second = new PredictRequest { ServableSpec = new ServableSpec { MethodName = "n" } };
        second.Instances.Add(AddInstance(2));
        var bytes = first.ToByteArray().Concat(second.ToByteArray()).ToArray();

        var infer = PredictRequestReader.Parse(bytes);

        Assert.Equal(("add", "n", 1UL), (infer.Servable, infer.Method, infer.Version));
        Assert.Equal([2f, 2f, 2f, 2f], infer.Instances.Single()["x1"].Tensor!.ToArray<float>());
        Assert.Equal(PredictRequest.Parser.ParseFrom(bytes).ServableSpec, new ServableSpec { Name = "add", MethodName = "n", VersionNumber = 1 });
    }

    [Fact]
    public void Unknown_fields_are_skipped_and_unpacked_dims_are_read()
    {
        var output = new MemoryStream();
        var coded = new CodedOutputStream(output);
        coded.WriteTag(99, WireFormat.WireType.LengthDelimited);
        coded.WriteBytes(ByteString.CopyFromUtf8("ignored"));
        coded.WriteTag(98, WireFormat.WireType.Fixed32);
        coded.WriteFixed32(7);
        coded.WriteTag(2, WireFormat.WireType.LengthDelimited);
        coded.WriteBytes(Field(1, Entry("x", Tensor(unpackedDims: [1, 2], data: new byte[8]))));
        coded.Flush();

        var infer = PredictRequestReader.Parse(output.ToArray());

        Assert.Equal([1L, 2L], infer.Instances.Single()["x"].Tensor!.Dims);
    }

    [Fact]
    public void A_tensor_sent_twice_in_one_entry_merges_and_the_last_data_case_wins()
    {
        var data = Filled(2, 2);
        var shm = new Protocol.Tensor { ShmData = new ShmTensorData { MemoryKey = "k" } };
        var dataThenShm = EntryOf("a", data.ToByteString(), shm.ToByteString());
        var shmThenData = EntryOf("b", shm.ToByteString(), data.ToByteString());
        var instance = Join(Field(1, dataThenShm), Field(1, shmThenData));

        var inputs = PredictRequestReader.Parse(Field(2, instance).ToByteArray()).Instances.Single();

        Assert.Equal(WireTensorCheck.SharedMemory, inputs["a"].InvalidDetail);
        Assert.Equal([2f, 2f], inputs["b"].Tensor!.ToArray<float>());
        // Google.Protobuf reads the same bytes the same way.
        var google = PredictRequest.Parser.ParseFrom(Field(2, instance)).Instances.Single().Items;
        Assert.Equal(Protocol.Tensor.TensorDataOneofCase.ShmData, google["a"].TensorDataCase);
        Assert.Equal(Protocol.Tensor.TensorDataOneofCase.Data, google["b"].TensorDataCase);
    }

    [Theory]
    [InlineData(new byte[] { 0x0A, 0x05, 0x0A })] // a spec longer than the message
    [InlineData(new byte[] { 0x18, 0xFF })] // a varint cut off
    [InlineData(new byte[] { 0x07 })] // wire type 7
    [InlineData(new byte[] { 0x00 })] // field number 0
    public void Malformed_messages_throw_invalid_data(byte[] bytes)
    {
        Assert.Throws<InvalidDataException>(() => PredictRequestReader.Parse(bytes));
    }

    private static ByteString Field(int number, ByteString payload)
    {
        var output = new MemoryStream();
        var coded = new CodedOutputStream(output);
        coded.WriteTag(number, WireFormat.WireType.LengthDelimited);
        coded.WriteBytes(payload);
        coded.Flush();
        return ByteString.CopyFrom(output.ToArray());
    }

    private static ByteString Join(ByteString first, ByteString second) => ByteString.CopyFrom([.. first.Span, .. second.Span]);

    private static ByteString EntryOf(string key, params ByteString[] tensors)
    {
        var entry = Field(1, ByteString.CopyFromUtf8(key));
        foreach (var tensor in tensors)
        {
            entry = Join(entry, Field(2, tensor));
        }
        return entry;
    }

    private static ByteString Entry(string key, ByteString tensor)
    {
        var output = new MemoryStream();
        var coded = new CodedOutputStream(output);
        coded.WriteTag(1, WireFormat.WireType.LengthDelimited);
        coded.WriteString(key);
        coded.WriteTag(2, WireFormat.WireType.LengthDelimited);
        coded.WriteBytes(tensor);
        coded.Flush();
        return ByteString.CopyFrom(output.ToArray());
    }

    private static ByteString Tensor(long[] unpackedDims, byte[] data)
    {
        var shape = new MemoryStream();
        var shapeCoded = new CodedOutputStream(shape);
        foreach (var dim in unpackedDims)
        {
            shapeCoded.WriteTag(1, WireFormat.WireType.Varint);
            shapeCoded.WriteInt64(dim);
        }
        shapeCoded.Flush();
        var output = new MemoryStream();
        var coded = new CodedOutputStream(output);
        coded.WriteTag(1, WireFormat.WireType.LengthDelimited);
        coded.WriteBytes(ByteString.CopyFrom(shape.ToArray()));
        coded.WriteTag(2, WireFormat.WireType.Varint);
        coded.WriteEnum((int)Protocol.DataType.MsFloat32);
        coded.WriteTag(3, WireFormat.WireType.LengthDelimited);
        coded.WriteBytes(ByteString.CopyFrom(data));
        coded.Flush();
        return ByteString.CopyFrom(output.ToArray());
    }
}

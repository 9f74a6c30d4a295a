using System.Runtime.InteropServices;
using Google.Protobuf;
using SharpServing.Engine;
using SharpServing.Protocol;
using SharpServing.Server.Grpc.Internal;
using static SharpServing.Server.Tests.Grpc.Wire;
using SdkTensor = SharpServing.Tensor;

namespace SharpServing.Server.Tests.Grpc;

/// <summary>PredictRequest → InferRequest and InferReply → PredictReply, on messages Google.Protobuf parsed and writes.</summary>
public sealed class PredictConversionTests
{
    private static readonly InferRequest s_request = new("add", "add_common", 3, []);

    [Fact]
    public void Request_tensors_are_read_only_views_of_the_parsed_message_bytes()
    {
        var parsed = PredictRequest.Parser.ParseFrom(AddRequest(Instance(("x1", Float32([1, 2, 3, 4], 2, 2)), ("x2", Filled(1.5f, 2, 2)))).ToByteArray());

        var infer = PredictConversion.ToInferRequest(parsed);

        var x1 = infer.Instances.Single()["x1"].Tensor!;
        Assert.True(x1.IsReadOnly);
        Assert.Equal([1f, 2f, 3f, 4f], x1.ToArray<float>());
        Assert.Equal([1.5f, 1.5f, 1.5f, 1.5f], infer.Instances.Single()["x2"].Tensor!.ToArray<float>());
        Assert.Equal([2L, 2L], x1.Dims);
        Assert.True(MemoryMarshal.TryGetArray(x1.Data, out var tensorBytes));
        Assert.True(MemoryMarshal.TryGetArray(parsed.Instances[0].Items["x1"].Data.Memory, out var messageBytes));
        Assert.Same(messageBytes.Array, tensorBytes.Array);
        Assert.Throws<InvalidOperationException>(() => x1.AsWritableSpan<float>());
    }

    [Fact]
    public void Spec_and_version_pass_through_and_field_2_wins_over_field_3()
    {
        var request = Request("add", "m", ulong.MaxValue, AddInstance(1));
        request.LegacyInstances.Add(Instance(("z", Filled(1))));

        var infer = PredictConversion.ToInferRequest(request);

        Assert.Equal(("add", "m", ulong.MaxValue), (infer.Servable, infer.Method, infer.Version));
        Assert.Equal(["x1", "x2"], infer.Instances.Single().Keys.Order());
    }

    [Fact]
    public void Legacy_instances_are_used_when_field_2_is_empty()
    {
        var request = Request("add", "m", 2);
        request.LegacyInstances.Add(Instance(("z", Filled(1, 1))));

        var infer = PredictConversion.ToInferRequest(request);

        Assert.Equal([1f], infer.Instances.Single()["z"].Tensor!.ToArray<float>());
    }

    [Fact]
    public void Missing_spec_and_shape_mean_empty_names_and_a_0d_tensor()
    {
        var request = new PredictRequest();
        request.Instances.Add(Instance(("s", new Protocol.Tensor { Dtype = Protocol.DataType.MsInt64, Data = ByteString.CopyFrom(new byte[8]) })));

        var infer = PredictConversion.ToInferRequest(request);

        Assert.Equal(("", "", 0UL), (infer.Servable, infer.Method, infer.Version));
        Assert.Equal(0, infer.Instances[0]["s"].Tensor!.Rank);
    }

    [Fact]
    public void Strings_bytes_and_invalid_tensors_map_as_the_dispatcher_expects()
    {
        var instance = Instance(InputsOfEveryKind());

        var inputs = PredictConversion.ToInferRequest(AddRequest(instance)).Instances.Single();

        Assert.Equal("héllo", inputs["s"].Tensor!.GetString());
        Assert.Equal([0, 255], inputs["b"].Tensor!.GetItem().ToArray());
        Assert.Equal("Instance tensor check failed: bytes or string type shape batch size can only be 1", inputs["two"].InvalidDetail);
        Assert.Equal("Tensor check failed: input data size 15 invalid", inputs["short"].InvalidDetail);
        Assert.Equal(WireTensorCheck.UnknownDataType, inputs["unknown"].InvalidDetail);
        Assert.Equal(WireTensorCheck.UnknownDataType, inputs["undefined"].InvalidDetail);
        Assert.Equal("Tensor check failed: input  shape [-1] invalid", inputs["negative"].InvalidDetail);
        Assert.Equal("Tensor check failed: input  shape [0, 2] invalid", inputs["zero first"].InvalidDetail);
        Assert.Equal("Tensor check failed: input data size 4 invalid", inputs["overflow"].InvalidDetail);
        Assert.Equal(WireTensorCheck.SharedMemory, inputs["shm"].InvalidDetail);
    }

    [Fact]
    public void Unpacked_dims_and_more_than_eight_dims_are_read()
    {
        var output = new MemoryStream();
        var coded = new CodedOutputStream(output);
        coded.WriteTag(1, WireFormat.WireType.Varint);
        coded.WriteInt64(1);
        coded.WriteTag(1, WireFormat.WireType.Varint);
        coded.WriteInt64(2);
        coded.Flush();
        var unpacked = new Protocol.Tensor { Shape = TensorShape.Parser.ParseFrom(output.ToArray()), Dtype = Protocol.DataType.MsFloat32, Data = ByteString.CopyFrom(new byte[8]) };
        var deep = Numeric(Protocol.DataType.MsUint8, new byte[2], 1, 1, 1, 1, 1, 1, 1, 1, 1, 2);

        var inputs = PredictConversion.ToInferRequest(PredictRequest.Parser.ParseFrom(AddRequest(Instance(("x", unpacked), ("deep", deep))).ToByteArray()))
            .Instances.Single();

        Assert.Equal([1L, 2L], inputs["x"].Tensor!.Dims);
        Assert.Equal([1L, 1, 1, 1, 1, 1, 1, 1, 1, 2], inputs["deep"].Tensor!.Dims);
    }

    [Fact]
    public void Request_wide_error_has_one_entry_and_no_instances_and_empty_text_becomes_predict_failed()
    {
        var reply = RoundTrip(PredictConversion.ToPredictReply(s_request, InferReply.Failure(new ServingError(ErrorCode.SystemError, ""))));

        Assert.Equal(new ServableSpec { Name = "add", MethodName = "add_common", VersionNumber = 3 }, reply.ServableSpec);
        Wire.AssertRequestError(reply, (long)ErrorCode.SystemError, "Predict failed");
    }

    [Fact]
    public void Partial_failure_has_an_entry_per_instance_and_an_empty_failed_instance()
    {
        var ok = InstanceResult.Success([new("y", SdkTensor.Scalar(3L))]);
        var failed = InstanceResult.Failure(new ServingError(ErrorCode.InvalidInputs, "bad x1"));

        var reply = RoundTrip(PredictConversion.ToPredictReply(s_request, InferReply.Create([ok, failed])));

        Assert.Equal(2, reply.Instances.Count);
        Assert.Empty(reply.Instances[1].Items);
        Assert.Equal([0L, (long)ErrorCode.InvalidInputs], reply.ErrorMsg.Select(e => e.ErrorCode));
        Assert.Equal(["", "bad x1"], reply.ErrorMsg.Select(e => e.ErrorMsg_.ToStringUtf8()));
    }

    [Fact]
    public void Outputs_keep_shape_dtype_and_items_and_empty_data_and_empty_shape_are_still_sent()
    {
        var numeric = SdkTensor.Create(new[] { 1f, 2f, 3f, 4f }, 2, 2);
        var result = InstanceResult.Success([
            new("y", numeric), new("text", SdkTensor.FromString("héllo")), new("many", SdkTensor.FromStrings(["a", "", "c"])),
            new("", SdkTensor.Scalar(1.0)), new("empty", SdkTensor.Zeros<float>(0)), new("bytes", SdkTensor.FromBytes(new byte[] { 0, 1, 2 }))]);

        var message = PredictConversion.ToPredictReply(new InferRequest("", "", 0, []), InferReply.Create([result]));
        var items = RoundTrip(message).Instances.Single().Items;

        Assert.Empty(RoundTrip(message).ErrorMsg);
        Assert.Equal([1f, 2f, 3f, 4f], Floats(items["y"]));
        Assert.Equal([2L, 2L], items["y"].Shape.Dims);
        Assert.Equal(Protocol.DataType.MsString, items["text"].Dtype);
        Assert.Equal("héllo", items["text"].BytesVal.Single().ToStringUtf8());
        Assert.Equal(["a", "", "c"], items["many"].BytesVal.Select(b => b.ToStringUtf8()));
        Assert.Equal([3L], items["many"].Shape.Dims);
        Assert.Equal(Protocol.DataType.MsFloat64, items[""].Dtype);
        Assert.NotNull(items[""].Shape);
        Assert.Empty(items[""].Shape.Dims);
        Assert.Equal(Protocol.Tensor.TensorDataOneofCase.Data, items["empty"].TensorDataCase);
        Assert.Equal([0, 1, 2], items["bytes"].BytesVal.Single().ToByteArray());
        // The reply wraps the output tensor's memory: no copy before serialization.
        var wrapped = message.Instances[0].Items["y"].Data.Span;
        Assert.True(wrapped.Overlaps(numeric.Data.Span, out var offset) && offset == 0 && wrapped.Length == numeric.Data.Length);
    }

    private static PredictReply RoundTrip(PredictReply reply) => PredictReply.Parser.ParseFrom(reply.ToByteArray());
}

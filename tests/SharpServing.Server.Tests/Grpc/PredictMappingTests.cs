using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Google.Protobuf;
using SharpServing.Engine;
using SharpServing.Server.Grpc.Internal;
using SharpServing.Server.Protos;
using static SharpServing.Server.Tests.Grpc.Wire;

namespace SharpServing.Server.Tests.Grpc;

public sealed class PredictMappingTests
{
    [Fact]
    public void Request_tensors_wrap_the_message_bytes_read_only()
    {
        var wire = Filled(1.5f, 2, 2);

        var input = PredictRequestMapper.ToInput(wire);

        var tensor = Assert.IsType<SharpServing.Tensor>(input.Tensor);
        Assert.True(tensor.IsReadOnly);
        Assert.True(Unsafe.AreSame(ref MemoryMarshal.GetReference(tensor.Data.Span), ref MemoryMarshal.GetReference(wire.Data.Span)));
        Assert.Equal([2L, 2L], tensor.Dims);
        Assert.Throws<InvalidOperationException>(() => tensor.AsWritableSpan<float>());
    }

    [Fact]
    public void Spec_and_version_pass_through_and_field_2_wins_over_field_3()
    {
        var request = Request("add", "m", ulong.MaxValue, AddInstance(1));
        request.LegacyInstances.Add(Instance(("z", Filled(1))));

        var infer = PredictRequestMapper.ToInferRequest(request);

        Assert.Equal(("add", "m", ulong.MaxValue), (infer.Servable, infer.Method, infer.Version));
        Assert.Equal(["x1", "x2"], infer.Instances.Single().Keys.Order());
    }

    [Fact]
    public void Missing_spec_and_shape_mean_empty_names_and_a_0d_tensor()
    {
        var request = new PredictRequest();
        request.Instances.Add(Instance(("s", new Protos.Tensor { Dtype = Protos.DataType.MsInt64, Data = ByteString.CopyFrom(new byte[8]) })));

        var infer = PredictRequestMapper.ToInferRequest(request);

        Assert.Equal(("", "", 0UL), (infer.Servable, infer.Method, infer.Version));
        Assert.Equal(0, infer.Instances[0]["s"].Tensor!.Rank);
    }

    [Fact]
    public void Output_tensors_are_wrapped_not_copied_and_items_keep_their_dims()
    {
        var numeric = SharpServing.Tensor.Create(new[] { 1f, 2f, 3f }, 3);
        var text = SharpServing.Tensor.FromString("ABC123");
        var strings = SharpServing.Tensor.FromStrings(["a", "b"]);

        var wire = PredictReplyMapper.ToWire(numeric);

        Assert.True(Unsafe.AreSame(ref MemoryMarshal.GetReference(wire.Data.Span), ref MemoryMarshal.GetReference(numeric.Data.Span)));
        Assert.Equal([3L], wire.Shape.Dims);
        Assert.Empty(PredictReplyMapper.ToWire(text).Shape.Dims);
        Assert.Equal("ABC123", PredictReplyMapper.ToWire(text).BytesVal.Single().ToStringUtf8());
        Assert.Equal([2L], PredictReplyMapper.ToWire(strings).Shape.Dims);
        Assert.Equal(Protos.DataType.MsString, PredictReplyMapper.ToWire(strings).Dtype);
    }

    [Fact]
    public void Request_wide_error_has_one_entry_and_no_instances_and_empty_text_becomes_predict_failed()
    {
        var spec = new ServableSpec { Name = "add", MethodName = "m", VersionNumber = 3 };

        var reply = PredictReplyMapper.ToPredictReply(spec, InferReply.Failure(new ServingError(ErrorCode.SystemError, "")));

        Assert.Same(spec, reply.ServableSpec);
        AssertRequestError(reply, 3, "Predict failed");
    }

    [Fact]
    public void Successful_reply_has_no_error_entries()
    {
        var outputs = new List<KeyValuePair<string, SharpServing.Tensor>> { new("y", SharpServing.Tensor.Scalar(3L)) };

        var reply = PredictReplyMapper.ToPredictReply(null, InferReply.Create([InstanceResult.Success(outputs), InstanceResult.Success(outputs)]));

        Assert.Empty(reply.ErrorMsg);
        Assert.Equal(2, reply.Instances.Count);
        Assert.Equal(Protos.DataType.MsInt64, reply.Instances[0].Items["y"].Dtype);
        Assert.NotNull(reply.ServableSpec);
    }
}

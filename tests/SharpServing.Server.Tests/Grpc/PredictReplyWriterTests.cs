using System.Buffers;
using Google.Protobuf;
using SharpServing.Engine;
using SharpServing.Protocol;
using SharpServing.Server.Grpc.Internal;
using SdkTensor = SharpServing.Tensor;

namespace SharpServing.Server.Tests.Grpc;

/// <summary>The PredictReply writer produces the bytes Google.Protobuf writes for the equivalent message.</summary>
public sealed class PredictReplyWriterTests
{
    private static readonly InferRequest s_request = new("add", "add_common", 3, []);

    public static TheoryData<string> Cases => ["success", "request error", "empty error text", "partial failure", "no spec", "odd outputs", "large"];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Bytes_match_google_protobuf(string name)
    {
        var (request, reply) = Case(name);

        var written = Write(new PredictResult(request, reply));

        Assert.Equal(Expected(request, reply).ToByteArray(), written);
    }

    [Fact]
    public void Request_wide_error_has_one_entry_and_no_instances_and_empty_text_becomes_predict_failed()
    {
        var reply = PredictReply.Parser.ParseFrom(Write(new(s_request, InferReply.Failure(new ServingError(ErrorCode.SystemError, "")))));

        Assert.Equal(new ServableSpec { Name = "add", MethodName = "add_common", VersionNumber = 3 }, reply.ServableSpec);
        Wire.AssertRequestError(reply, (long)ErrorCode.SystemError, "Predict failed");
    }

    [Fact]
    public void Partial_failure_has_an_entry_per_instance_and_an_empty_failed_instance()
    {
        var ok = InstanceResult.Success([new("y", SdkTensor.Scalar(3L))]);
        var failed = InstanceResult.Failure(new ServingError(ErrorCode.InvalidInputs, "bad x1"));

        var reply = PredictReply.Parser.ParseFrom(Write(new(s_request, InferReply.Create([ok, failed]))));

        Assert.Equal(2, reply.Instances.Count);
        Assert.Empty(reply.Instances[1].Items);
        Assert.Equal([0L, (long)ErrorCode.InvalidInputs], reply.ErrorMsg.Select(e => e.ErrorCode));
        Assert.Equal(["", "bad x1"], reply.ErrorMsg.Select(e => e.ErrorMsg_.ToStringUtf8()));
    }

    private static byte[] Write(PredictResult result)
    {
        var output = new ArrayBufferWriter<byte>(16);
        PredictReplyWriter.Write(result, output);
        Assert.Equal(PredictReplyWriter.CalculateSize(result), output.WrittenCount);
        return output.WrittenSpan.ToArray();
    }

    private static (InferRequest, InferReply) Case(string name)
    {
        var numeric = SdkTensor.Create(new[] { 1f, 2f, 3f, 4f }, 2, 2);
        var success = InstanceResult.Success([new("y", numeric), new("text", SdkTensor.FromString("héllo")), new("many", SdkTensor.FromStrings(["a", "", "c"]))]);
        return name switch
        {
            "success" => (s_request, InferReply.Create([success, success])),
            "request error" => (s_request, InferReply.Failure(new ServingError(ErrorCode.InvalidInputs, "servable is not available"))),
            "empty error text" => (s_request, InferReply.Failure(new ServingError(ErrorCode.SystemError, ""))),
            "partial failure" => (s_request, InferReply.Create([success, InstanceResult.Failure(new ServingError(ErrorCode.InvalidInputs, "ünïcode"))])),
            "no spec" => (new InferRequest("", "", 0, []), InferReply.Create([success])),
            "odd outputs" => (new InferRequest("a", "", ulong.MaxValue, []), InferReply.Create([InstanceResult.Success([
                new("", SdkTensor.Scalar(1.0)),
                new("empty", SdkTensor.Zeros<float>(0)),
                new("bytes", SdkTensor.FromBytes(new byte[] { 0, 1, 2 })),
                new("wide", SdkTensor.Zeros<byte>(1, 300, 1)),
            ])])),
            "large" => (s_request, InferReply.Create([InstanceResult.Success([new("big", SdkTensor.Create(new float[300_000], 300_000))])])),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
    }

    /// <summary>The reply as Google.Protobuf messages, built the way the spec describes it.</summary>
    private static PredictReply Expected(InferRequest request, InferReply infer)
    {
        var reply = new PredictReply { ServableSpec = new ServableSpec { Name = request.Servable, MethodName = request.Method, VersionNumber = request.Version } };
        if (infer.Error is { } error)
        {
            reply.ErrorMsg.Add(ErrorMsg(error));
            return reply;
        }
        foreach (var result in infer.Instances)
        {
            var instance = new Instance();
            foreach (var (name, tensor) in result.Outputs ?? [])
            {
                var wire = new Protocol.Tensor { Dtype = (Protocol.DataType)tensor.DataType, Shape = new TensorShape() };
                wire.Shape.Dims.AddRange(tensor.Dims);
                if (tensor.DataType.IsItems())
                {
                    wire.BytesVal.AddRange(tensor.Items.Select(i => ByteString.CopyFrom(i.Span)));
                }
                else
                {
                    wire.Data = ByteString.CopyFrom(tensor.Data.Span);
                }
                instance.Items[name] = wire;
            }
            reply.Instances.Add(instance);
        }
        if (infer.HasInstanceErrors)
        {
            reply.ErrorMsg.AddRange(infer.Instances.Select(i => i.Error is { } e ? ErrorMsg(e) : new ErrorMsg()));
        }
        return reply;
    }

    private static ErrorMsg ErrorMsg(ServingError error) => new() { ErrorCode = (long)error.Code, ErrorMsg_ = ByteString.CopyFromUtf8(error.Message) };
}

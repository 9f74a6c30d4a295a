using Google.Protobuf;
using SharpServing.Engine;
using SharpServing.Server.Protos;
using SdkTensor = SharpServing.Tensor;
using WireTensor = SharpServing.Server.Protos.Tensor;

namespace SharpServing.Server.Grpc.Internal;

/// <summary>
/// <see cref="InferReply"/> → PredictReply (spec section 4): a request-wide error is one entry and no instances; a partial
/// failure is N instances (failed ones empty) and N entries (success = code 0, empty text). Output bytes are wrapped,
/// not copied.
/// </summary>
internal static class PredictReplyMapper
{
    public static PredictReply ToPredictReply(ServableSpec? spec, InferReply infer)
    {
        var reply = new PredictReply { ServableSpec = spec ?? new ServableSpec() };
        if (infer.Error is { } error)
        {
            reply.ErrorMsg.Add(ToErrorMsg(error));
            return reply;
        }
        var withErrors = infer.HasInstanceErrors;
        foreach (var result in infer.Instances)
        {
            var instance = new Instance();
            if (result.Outputs is { } outputs)
            {
                foreach (var (name, tensor) in outputs)
                {
                    instance.Items[name] = ToWire(tensor);
                }
            }
            reply.Instances.Add(instance);
            if (withErrors)
            {
                reply.ErrorMsg.Add(result.Error is { } e ? ToErrorMsg(e) : new ErrorMsg());
            }
        }
        return reply;
    }

    public static WireTensor ToWire(SdkTensor tensor)
    {
        var wire = new WireTensor { Dtype = (Protos.DataType)tensor.DataType, Shape = new TensorShape() };
        foreach (var dim in tensor.Shape)
        {
            wire.Shape.Dims.Add(dim);
        }
        if (tensor.DataType.IsItems())
        {
            foreach (var item in tensor.Items)
            {
                wire.BytesVal.Add(UnsafeByteOperations.UnsafeWrap(item));
            }
        }
        else
        {
            wire.Data = UnsafeByteOperations.UnsafeWrap(tensor.Data);
        }
        return wire;
    }

    private static ErrorMsg ToErrorMsg(ServingError error)
        => new() { ErrorCode = (long)error.Code, ErrorMsg_ = ByteString.CopyFromUtf8(error.Message) };
}

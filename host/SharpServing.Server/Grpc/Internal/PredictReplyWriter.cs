using System.Buffers;
using System.Text;
using SharpServing.Engine;

namespace SharpServing.Server.Grpc.Internal;

/// <summary>
/// Writes a MindSpore <c>PredictReply</c> straight from an <see cref="InferReply"/> (spec section 4), byte for byte as
/// Google.Protobuf would serialize the equivalent message: a request-wide error is one entry and no instances; a partial
/// failure is N instances (failed ones empty) and N entries (success = code 0, empty text). The request's spec is echoed.
/// Tensor bytes go from the tensor into the output once; nothing else is copied.
/// </summary>
internal static class PredictReplyWriter
{
    private const int ReplySpecField = 1;
    private const int ReplyInstancesField = 3;
    private const int ReplyErrorField = 4;
    private const int SpecNameField = 1;
    private const int SpecMethodField = 2;
    private const int SpecVersionField = 3;
    private const int InstanceItemsField = 1;
    private const int EntryKeyField = 1;
    private const int EntryValueField = 2;
    private const int TensorShapeField = 1;
    private const int TensorDtypeField = 2;
    private const int TensorDataField = 3;
    private const int TensorBytesValField = 4;
    private const int ShapeDimsField = 1;
    private const int ErrorCodeField = 1;
    private const int ErrorMessageField = 2;

    public static int CalculateSize(PredictResult result)
    {
        var size = ProtoWriter.LengthFieldSize(SpecSize(result.Request));
        var reply = result.Reply;
        if (reply.Error is { } error)
        {
            return size + ProtoWriter.LengthFieldSize(ErrorSize(error));
        }
        var withErrors = reply.HasInstanceErrors;
        foreach (var instance in reply.Instances)
        {
            size += ProtoWriter.LengthFieldSize(InstanceSize(instance));
            if (withErrors)
            {
                size += ProtoWriter.LengthFieldSize(instance.Error is { } e ? ErrorSize(e) : 0);
            }
        }
        return size;
    }

    public static void Write(PredictResult result, IBufferWriter<byte> output)
    {
        var writer = new ProtoWriter(output);
        var request = result.Request;
        writer.WriteLengthPrefix(ReplySpecField, SpecSize(request));
        if (request.Servable.Length > 0)
        {
            writer.WriteStringField(SpecNameField, request.Servable, Encoding.UTF8.GetByteCount(request.Servable));
        }
        if (request.Method.Length > 0)
        {
            writer.WriteStringField(SpecMethodField, request.Method, Encoding.UTF8.GetByteCount(request.Method));
        }
        if (request.Version != 0)
        {
            writer.WriteVarintField(SpecVersionField, request.Version);
        }
        var reply = result.Reply;
        if (reply.Error is { } error)
        {
            WriteError(ref writer, error);
            writer.Commit();
            return;
        }
        var instances = reply.Instances;
        for (var i = 0; i < instances.Count; i++)
        {
            WriteInstance(ref writer, instances[i]);
        }
        if (reply.HasInstanceErrors)
        {
            for (var i = 0; i < instances.Count; i++)
            {
                if (instances[i].Error is { } e)
                {
                    WriteError(ref writer, e);
                }
                else
                {
                    writer.WriteLengthPrefix(ReplyErrorField, 0);
                }
            }
        }
        writer.Commit();
    }

    private static int SpecSize(InferRequest request)
        => (request.Servable.Length > 0 ? ProtoWriter.LengthFieldSize(Encoding.UTF8.GetByteCount(request.Servable)) : 0)
            + (request.Method.Length > 0 ? ProtoWriter.LengthFieldSize(Encoding.UTF8.GetByteCount(request.Method)) : 0)
            + (request.Version != 0 ? 1 + ProtoWriter.VarintSize(request.Version) : 0);

    private static int ErrorSize(ServingError error)
    {
        var length = Encoding.UTF8.GetByteCount(error.Message);
        return (error.Code != 0 ? 1 + ProtoWriter.VarintSize((ulong)(long)error.Code) : 0)
            + (length > 0 ? ProtoWriter.LengthFieldSize(length) : 0);
    }

    private static void WriteError(ref ProtoWriter writer, ServingError error)
    {
        writer.WriteLengthPrefix(ReplyErrorField, ErrorSize(error));
        if (error.Code != 0)
        {
            writer.WriteVarintField(ErrorCodeField, (ulong)(long)error.Code);
        }
        var length = Encoding.UTF8.GetByteCount(error.Message);
        if (length > 0)
        {
            writer.WriteStringField(ErrorMessageField, error.Message, length);
        }
    }

    private static int InstanceSize(InstanceResult instance)
    {
        var size = 0;
        if (instance.Outputs is { } outputs)
        {
            for (var i = 0; i < outputs.Count; i++)
            {
                size += ProtoWriter.LengthFieldSize(EntrySize(outputs[i].Key, outputs[i].Value));
            }
        }
        return size;
    }

    private static void WriteInstance(ref ProtoWriter writer, InstanceResult instance)
    {
        writer.WriteLengthPrefix(ReplyInstancesField, InstanceSize(instance));
        if (instance.Outputs is not { } outputs)
        {
            return;
        }
        for (var i = 0; i < outputs.Count; i++)
        {
            var (name, tensor) = outputs[i];
            writer.WriteLengthPrefix(InstanceItemsField, EntrySize(name, tensor));
            // Google.Protobuf leaves out a map key with the default (empty) value.
            if (name.Length > 0)
            {
                writer.WriteStringField(EntryKeyField, name, Encoding.UTF8.GetByteCount(name));
            }
            writer.WriteLengthPrefix(EntryValueField, TensorSize(tensor));
            WriteTensor(ref writer, tensor);
        }
    }

    private static int EntrySize(string name, Tensor tensor)
        => (name.Length > 0 ? ProtoWriter.LengthFieldSize(Encoding.UTF8.GetByteCount(name)) : 0)
            + ProtoWriter.LengthFieldSize(TensorSize(tensor));

    private static int DimsSize(ReadOnlySpan<long> dims)
    {
        var size = 0;
        foreach (var dim in dims)
        {
            size += ProtoWriter.VarintSize(unchecked((ulong)dim));
        }
        return size;
    }

    private static int TensorSize(Tensor tensor)
    {
        var dims = DimsSize(tensor.Shape);
        // The shape message is always present; its packed dims only when there are any.
        var size = ProtoWriter.LengthFieldSize(dims > 0 ? ProtoWriter.LengthFieldSize(dims) : 0);
        if (tensor.DataType != DataType.Unknown)
        {
            size += 1 + ProtoWriter.VarintSize(unchecked((ulong)(long)(int)tensor.DataType));
        }
        if (tensor.DataType.IsItems())
        {
            var items = tensor.Items;
            for (var i = 0; i < items.Count; i++)
            {
                size += ProtoWriter.LengthFieldSize(items[i].Length);
            }
            return size;
        }
        // The data field belongs to a oneof: written even when empty.
        return size + ProtoWriter.LengthFieldSize(tensor.Data.Length);
    }

    private static void WriteTensor(ref ProtoWriter writer, Tensor tensor)
    {
        var dims = DimsSize(tensor.Shape);
        writer.WriteLengthPrefix(TensorShapeField, dims > 0 ? ProtoWriter.LengthFieldSize(dims) : 0);
        if (dims > 0)
        {
            writer.WriteLengthPrefix(ShapeDimsField, dims);
            foreach (var dim in tensor.Shape)
            {
                writer.WriteVarint(unchecked((ulong)dim));
            }
        }
        if (tensor.DataType != DataType.Unknown)
        {
            writer.WriteVarintField(TensorDtypeField, unchecked((ulong)(long)(int)tensor.DataType));
        }
        if (tensor.DataType.IsItems())
        {
            var items = tensor.Items;
            for (var i = 0; i < items.Count; i++)
            {
                writer.WriteBytesField(TensorBytesValField, items[i].Span);
            }
            return;
        }
        writer.WriteBytesField(TensorDataField, tensor.Data.Span);
    }
}

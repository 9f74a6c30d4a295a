using Google.Protobuf;
using SharpServing.Engine;
using Wire = SharpServing.Protocol;

namespace SharpServing.Server.Grpc.Internal;

/// <summary>
/// MindSpore's Predict messages and the engine: a parsed <c>PredictRequest</c> becomes an <see cref="InferRequest"/> and
/// an <see cref="InferReply"/> becomes a <c>PredictReply</c> (spec sections 2 to 4). The gRPC front end reads and writes
/// the wire bytes without these messages (<see cref="PredictRequestPayload"/>, <see cref="PredictReplyPayload"/>); the
/// message forms here are what those are tested against, and <see cref="ToInput(int, IReadOnlyList{long}, ByteString, IReadOnlyList{ByteString}, bool)"/>
/// is shared. Tensor bytes are never copied: request tensors are read-only views of the parsed byte strings, reply byte
/// strings wrap the output tensors' memory (both live as long as the call).
/// </summary>
internal static class PredictConversion
{
    private const int StackDims = 8;

    /// <summary>
    /// The engine's request: field 2 instances, or the legacy field 3 when field 2 is empty. A malformed tensor becomes
    /// <see cref="RequestInput.Invalid"/> with the detail text of <see cref="WireTensorCheck"/>; the dispatcher reports it
    /// only for declared inputs.
    /// </summary>
    public static InferRequest ToInferRequest(Wire.PredictRequest request)
    {
        var spec = request.ServableSpec;
        var wireInstances = request.Instances.Count > 0 ? request.Instances : request.LegacyInstances;
        var instances = new IReadOnlyDictionary<string, RequestInput>[wireInstances.Count];
        for (var i = 0; i < instances.Length; i++)
        {
            instances[i] = ToInputs(wireInstances[i]);
        }
        return spec is null
            ? new InferRequest(string.Empty, string.Empty, 0, instances) { Protocol = "grpc" }
            : new InferRequest(spec.Name, spec.MethodName, spec.VersionNumber, instances) { Protocol = "grpc" };
    }

    /// <summary>
    /// The wire reply: the request's spec echoed; a request-wide error is one entry and no instances; a partial failure
    /// is N instances (failed ones empty) and N entries (success = code 0, empty text).
    /// </summary>
    public static Wire.PredictReply ToPredictReply(InferRequest request, InferReply reply)
    {
        var message = new Wire.PredictReply
        {
            ServableSpec = new Wire.ServableSpec { Name = request.Servable, MethodName = request.Method, VersionNumber = request.Version },
        };
        if (reply.Error is { } error)
        {
            message.ErrorMsg.Add(ToErrorMsg(error));
            return message;
        }
        var instances = reply.Instances;
        var withErrors = reply.HasInstanceErrors;
        // Sized once: a repeated field's first Add makes room for 8.
        message.Instances.Capacity = instances.Count;
        if (withErrors)
        {
            message.ErrorMsg.Capacity = instances.Count;
        }
        for (var i = 0; i < instances.Count; i++)
        {
            var result = instances[i];
            message.Instances.Add(ToInstance(result));
            if (withErrors)
            {
                message.ErrorMsg.Add(result.Error is { } instanceError ? ToErrorMsg(instanceError) : new Wire.ErrorMsg());
            }
        }
        return message;
    }

    /// <summary>One request tensor: a read-only tensor over the message's bytes, or why it is malformed.</summary>
    public static RequestInput ToInput(Wire.Tensor tensor)
        => ToInput((int)tensor.Dtype, tensor.Shape?.Dims ?? [], tensor.Data, tensor.BytesVal,
            tensor.TensorDataCase == Wire.Tensor.TensorDataOneofCase.ShmData);

    /// <summary>
    /// One request tensor from its parts as read from the wire (data reads as empty unless the oneof holds it): a read-only
    /// tensor over the data's bytes, or why it is malformed.
    /// </summary>
    public static RequestInput ToInput(int dataType, IReadOnlyList<long> wireDims, ByteString data, IReadOnlyList<ByteString> items, bool sharedMemory)
    {
        if (sharedMemory)
        {
            return RequestInput.Invalid(WireTensorCheck.SharedMemory);
        }
        var rank = wireDims.Count;
        var dims = rank <= StackDims ? stackalloc long[StackDims] : new long[rank];
        dims = dims[..rank];
        for (var i = 0; i < rank; i++)
        {
            dims[i] = wireDims[i];
        }
        var detail = WireTensorCheck.Check(dataType, dims, data.Length, items.Count);
        if (detail is not null)
        {
            return RequestInput.Invalid(detail);
        }
        var type = (DataType)dataType;
        return type.IsNumeric()
            ? Tensor.FromMemory(type, dims, data.Memory, isReadOnly: true)
            : Tensor.FromItems(type, dims, [items[0].Memory]);
    }

    private static Dictionary<string, RequestInput> ToInputs(Wire.Instance instance)
    {
        var items = instance.Items;
        var inputs = new Dictionary<string, RequestInput>(items.Count, StringComparer.Ordinal);
        foreach (var item in items)
        {
            inputs[item.Key] = ToInput(item.Value);
        }
        return inputs;
    }

    private static Wire.Instance ToInstance(InstanceResult result)
    {
        var instance = new Wire.Instance();
        if (result.Outputs is { } outputs)
        {
            var items = instance.Items;
            for (var i = 0; i < outputs.Count; i++)
            {
                items[outputs[i].Key] = ToWireTensor(outputs[i].Value);
            }
        }
        return instance;
    }

    private static Wire.Tensor ToWireTensor(Tensor tensor)
    {
        var shape = new Wire.TensorShape();
        var dims = shape.Dims;
        dims.Capacity = tensor.Shape.Length;
        foreach (var dim in tensor.Shape)
        {
            dims.Add(dim);
        }
        var wire = new Wire.Tensor { Shape = shape, Dtype = (Wire.DataType)(int)tensor.DataType };
        if (tensor.DataType.IsItems())
        {
            var items = tensor.Items;
            var bytesVal = wire.BytesVal;
            bytesVal.Capacity = items.Count;
            for (var i = 0; i < items.Count; i++)
            {
                bytesVal.Add(UnsafeByteOperations.UnsafeWrap(items[i]));
            }
        }
        else
        {
            // A member of a oneof: sent even when empty, as Google.Protobuf does for a set oneof field.
            wire.Data = UnsafeByteOperations.UnsafeWrap(tensor.Data);
        }
        return wire;
    }

    private static Wire.ErrorMsg ToErrorMsg(ServingError error)
        => new() { ErrorCode = (long)error.Code, ErrorMsg_ = ByteString.CopyFromUtf8(error.Message) };
}

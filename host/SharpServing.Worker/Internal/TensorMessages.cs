using Google.Protobuf;
using SharpServing.Engine;
using SharpServing.Worker.Protocol;

namespace SharpServing.Worker.Internal;

/// <summary>
/// Tensors to and from <see cref="TensorData"/> without copies of their bytes: a message wraps the tensor's memory
/// (<see cref="UnsafeByteOperations.UnsafeWrap"/>) and a tensor wraps the parsed message's bytes, so each tensor is
/// copied once each way, into and out of the socket.
/// </summary>
internal static class TensorMessages
{
    public static TensorData ToMessage(Tensor tensor)
    {
        var message = new TensorData { DataType = (int)tensor.DataType };
        message.Shape.AddRange(tensor.Dims);
        if (tensor.DataType.IsItems())
        {
            foreach (var item in tensor.Items)
            {
                message.Items.Add(UnsafeByteOperations.UnsafeWrap(item));
            }
        }
        else
        {
            message.Data = UnsafeByteOperations.UnsafeWrap(tensor.Data);
        }
        return message;
    }

    /// <exception cref="ArgumentException">The message does not describe a valid tensor.</exception>
    public static Tensor ToTensor(TensorData message)
    {
        var type = (DataType)message.DataType;
        if (!type.IsDefined())
        {
            throw new ArgumentException($"unknown data type {message.DataType}");
        }
        var shape = message.Shape.Count == 0 ? [] : message.Shape.ToArray();
        if (type.IsItems())
        {
            var items = new ReadOnlyMemory<byte>[message.Items.Count];
            for (var i = 0; i < items.Length; i++)
            {
                items[i] = message.Items[i].Memory;
            }
            return Tensor.FromItems(type, shape, items);
        }
        return Tensor.FromMemory(type, shape, message.Data.Memory);
    }

    public static Instance ToMessage(InstanceResult result)
    {
        var instance = new Instance();
        if (result.Error is { } error)
        {
            instance.ErrorCode = (int)error.Code;
            instance.ErrorMessage = error.Message;
            return instance;
        }
        foreach (var (name, tensor) in result.Outputs!)
        {
            instance.Names.Add(name);
            instance.Tensors.Add(ToMessage(tensor));
        }
        return instance;
    }

    /// <exception cref="ArgumentException">The message does not describe a valid instance.</exception>
    public static InstanceResult ToResult(Instance instance)
    {
        if (instance.ErrorCode != 0 || instance.Tensors.Count == 0 && instance.ErrorMessage.Length > 0)
        {
            return InstanceResult.Failure(new ServingError((ErrorCode)instance.ErrorCode, instance.ErrorMessage));
        }
        if (instance.Names.Count != instance.Tensors.Count)
        {
            throw new ArgumentException($"{instance.Names.Count} output names for {instance.Tensors.Count} tensors");
        }
        var outputs = new KeyValuePair<string, Tensor>[instance.Tensors.Count];
        for (var i = 0; i < outputs.Length; i++)
        {
            outputs[i] = new(instance.Names[i], ToTensor(instance.Tensors[i]));
        }
        return InstanceResult.Success(outputs);
    }
}

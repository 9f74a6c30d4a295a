using System.Globalization;
using Proto = SharpServing.Protocol;

namespace SharpServing.Internal;

/// <summary>Turns a <see cref="Proto.PredictReply"/> into an <see cref="InferResult"/> (spec 9.3).</summary>
internal static class ReplyDecoder
{
    public static InferResult Decode(Proto.PredictReply reply)
    {
        var errors = reply.ErrorMsg;
        if (errors.Count == 1 && errors[0].ErrorCode != 0)
        {
            return InferResult.RequestError(errors[0].ErrorMsg_.ToStringUtf8(), errors[0].ErrorCode);
        }
        var instances = reply.Instances;
        if (errors.Count != 0 && errors.Count != instances.Count)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"error msg result size {errors.Count} not be 0, 1 or length of instances {instances.Count}"));
        }
        var outcomes = new InstanceOutcome[instances.Count];
        for (var i = 0; i < outcomes.Length; i++)
        {
            outcomes[i] = errors.Count != 0 && errors[i].ErrorCode != 0
                ? InstanceOutcome.Failure(errors[i].ErrorMsg_.ToStringUtf8(), errors[i].ErrorCode)
                : InstanceOutcome.Success(DecodeOutputs(instances[i]));
        }
        return InferResult.PerInstance(outcomes);
    }

    private static Dictionary<string, object> DecodeOutputs(Proto.Instance instance)
    {
        var outputs = new Dictionary<string, object>(instance.Items.Count, StringComparer.Ordinal);
        foreach (var (name, tensor) in instance.Items)
        {
            outputs[name] = DecodeTensor(name, tensor);
        }
        return outputs;
    }

    public static object DecodeTensor(string name, Proto.Tensor tensor)
    {
        var dataType = (DataType)tensor.Dtype;
        if (dataType == DataType.String)
        {
            return tensor.BytesVal.Count == 1
                ? tensor.BytesVal[0].ToStringUtf8()
                : tensor.BytesVal.Select(item => item.ToStringUtf8()).ToArray();
        }
        if (dataType == DataType.Bytes)
        {
            return tensor.BytesVal.Count == 1
                ? tensor.BytesVal[0].ToByteArray()
                : tensor.BytesVal.Select(item => item.ToByteArray()).ToArray();
        }
        if (!dataType.IsNumeric())
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"Unknown data type {(int)tensor.Dtype}"));
        }
        var dims = tensor.Shape?.Dims.ToArray() ?? [];
        try
        {
            // The tensor wraps the reply's buffer: no copy, and read-only.
            return Tensor.FromMemory(dataType, dims, tensor.Data.Memory, isReadOnly: true);
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException(
                $"Output {name} is malformed: {dataType} dims {Tensor.FormatShape(dims)} with {tensor.Data.Length} data bytes. {e.Message}", e);
        }
        catch (OverflowException e)
        {
            throw new InvalidOperationException($"Output {name} is malformed: dims {Tensor.FormatShape(dims)} overflow.", e);
        }
    }
}

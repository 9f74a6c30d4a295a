using Google.Protobuf.Collections;
using SharpServing.Engine;
using SharpServing.Server.Protos;
using SdkTensor = SharpServing.Tensor;
using WireTensor = SharpServing.Server.Protos.Tensor;

namespace SharpServing.Server.Grpc.Internal;

/// <summary>
/// PredictRequest → <see cref="InferRequest"/>. Tensors wrap the parsed message's bytes (no copy, read-only); malformed
/// ones become <see cref="RequestInput.Invalid"/> with the detail text, reported by the dispatcher only for declared inputs.
/// </summary>
internal static class PredictRequestMapper
{
    public static InferRequest ToInferRequest(PredictRequest request)
    {
        var spec = request.ServableSpec ?? new ServableSpec();
        // Field 2 wins when it has entries; legacy clients (MindSpore Serving ≤ 1.2) fill field 3.
        var wireInstances = request.Instances.Count > 0 ? request.Instances : request.LegacyInstances;
        var instances = new IReadOnlyDictionary<string, RequestInput>[wireInstances.Count];
        for (var i = 0; i < instances.Length; i++)
        {
            var items = wireInstances[i].Items;
            var inputs = new Dictionary<string, RequestInput>(items.Count, StringComparer.Ordinal);
            foreach (var (name, tensor) in items)
            {
                inputs[name] = ToInput(tensor);
            }
            instances[i] = inputs;
        }
        return new InferRequest(spec.Name, spec.MethodName, spec.VersionNumber, instances);
    }

    public static RequestInput ToInput(WireTensor tensor)
    {
        if (tensor.TensorDataCase == WireTensor.TensorDataOneofCase.ShmData)
        {
            return RequestInput.Invalid(WireTensorCheck.SharedMemory);
        }
        var dims = Dims(tensor.Shape);
        var dtype = (int)tensor.Dtype;
        var detail = WireTensorCheck.Check(dtype, dims, tensor.Data.Length, tensor.BytesVal.Count);
        if (detail is not null)
        {
            return RequestInput.Invalid(detail);
        }
        var type = (SharpServing.DataType)dtype;
        return type.IsNumeric()
            ? SdkTensor.FromMemory(type, dims, tensor.Data.Memory, isReadOnly: true)
            : SdkTensor.FromItems(type, dims, [tensor.BytesVal[0].Memory]);
    }

    private static long[] Dims(TensorShape? shape)
    {
        if (shape is null || shape.Dims.Count == 0)
        {
            return [];
        }
        var dims = new long[shape.Dims.Count];
        shape.Dims.CopyTo(dims, 0);
        return dims;
    }
}

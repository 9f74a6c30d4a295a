using SharpServing.Engine;
using SharpServing.Worker.Protocol;

namespace SharpServing.Worker.Internal;

/// <summary>The worker's side of the protocol: runs requests on the worker's own engine, whose batchers batch the
/// concurrent requests the server forwards.</summary>
internal sealed class WorkerService(ServableVersion version, IPredictor predictor)
{
    public DescribeReply Describe()
    {
        var reply = new DescribeReply { Version = version.Number, Directory = version.Directory };
        foreach (var method in version.Methods.Values.OrderBy(m => m.Name, StringComparer.Ordinal))
        {
            var info = new MethodInfo { Name = method.Name };
            info.Inputs.AddRange(method.Inputs);
            info.Outputs.AddRange(method.Outputs);
            reply.Methods.Add(info);
        }
        return reply;
    }

    public async Task<PredictReply> PredictAsync(PredictRequest request, CancellationToken cancellationToken)
    {
        if (!version.Methods.TryGetValue(request.Method, out var method))
        {
            return Failure(ErrorCode.InvalidInputs, $"Method '{request.Method}' is not registered in the worker of {version}");
        }
        var instances = new IReadOnlyDictionary<string, RequestInput>[request.Instances.Count];
        for (var i = 0; i < instances.Length; i++)
        {
            var tensors = request.Instances[i].Tensors;
            if (tensors.Count != method.Inputs.Count)
            {
                return Failure(ErrorCode.InvalidInputs, $"Instance {i} has {tensors.Count} inputs, method '{method.Name}' takes {method.Inputs.Count}");
            }
            var inputs = new Dictionary<string, RequestInput>(tensors.Count, StringComparer.Ordinal);
            for (var k = 0; k < tensors.Count; k++)
            {
                try
                {
                    inputs[method.Inputs[k]] = TensorMessages.ToTensor(tensors[k]);
                }
                catch (ArgumentException ex)
                {
                    return Failure(ErrorCode.InvalidInputs, $"Input '{method.Inputs[k]}' of instance {i}: {ex.Message}");
                }
            }
            instances[i] = inputs;
        }
        var result = await predictor.PredictAsync(new InferRequest(request.Servable, request.Method, request.Version, instances), cancellationToken);
        var reply = new PredictReply();
        if (result.Error is { } error)
        {
            reply.ErrorCode = (int)error.Code;
            reply.ErrorMessage = error.Message;
            return reply;
        }
        foreach (var instance in result.Instances)
        {
            reply.Instances.Add(TensorMessages.ToMessage(instance));
        }
        return reply;
    }

    private static PredictReply Failure(ErrorCode code, string message) => new() { ErrorCode = (int)code, ErrorMessage = message };
}

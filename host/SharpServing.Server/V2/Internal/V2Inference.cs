using System.Globalization;
using SharpServing.Engine;

namespace SharpServing.Server.V2.Internal;

/// <summary>The decoded inputs of one V2 request, in request order.</summary>
internal sealed record V2InferInput(string Name, RequestInput Value);

/// <summary>The outputs of one V2 inference, in the method's output order (or the order requested).</summary>
internal sealed record V2InferResult(string ModelName, string ModelVersion, IReadOnlyList<KeyValuePair<string, Tensor>> Outputs);

/// <summary>
/// One V2 inference request as one instance of the method, through the same predictor as MindSpore Serving's front ends
/// (so metrics, traces and the access log see it under its own protocol label).
/// </summary>
internal sealed class V2Inference(V2Catalog catalog, IPredictor predictor)
{
    public V2Catalog Catalog => catalog;

    public async Task<V2InferResult> InferAsync(string modelName, string? version, IReadOnlyList<V2InferInput> inputs,
        IReadOnlyList<string>? requestedOutputs, string protocol, CancellationToken cancellationToken)
    {
        var model = catalog.Resolve(modelName, version);
        var instance = new Dictionary<string, RequestInput>(inputs.Count, StringComparer.Ordinal);
        foreach (var input in inputs)
        {
            if (!instance.TryAdd(input.Name, input.Value))
            {
                throw V2Errors.DuplicateInput(input.Name);
            }
        }
        if (requestedOutputs is not null)
        {
            foreach (var name in requestedOutputs)
            {
                if (!model.Method.Outputs.Contains(name))
                {
                    throw V2Errors.UnknownOutput(modelName, name);
                }
            }
        }
        var request = new InferRequest(model.Servable, model.Method.Name, model.RequestedVersion, [instance]) { Protocol = protocol };
        var reply = await predictor.PredictAsync(request, cancellationToken);
        if (reply.Error is { } error)
        {
            throw V2Errors.FromServingError(error);
        }
        var result = reply.Instances[0];
        if (result.Error is { } instanceError)
        {
            throw V2Errors.FromServingError(instanceError);
        }
        var outputs = result.Outputs!;
        if (requestedOutputs is { Count: > 0 })
        {
            outputs = [.. requestedOutputs.Distinct(StringComparer.Ordinal).Select(n => outputs.First(o => o.Key == n))];
        }
        return new V2InferResult(modelName, model.Version.Number.ToString(CultureInfo.InvariantCulture), outputs);
    }
}

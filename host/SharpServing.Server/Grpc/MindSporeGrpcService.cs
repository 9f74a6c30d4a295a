using SharpServing.Engine;
using SharpServing.Grpc;
using SharpServing.Server.Grpc.Internal;
using SharpServing.Server.Protos;

namespace SharpServing.Server.Grpc;

/// <summary>MindSpore Serving's <c>MSService.Predict</c> over an <see cref="IPredictor"/>.</summary>
public static class MindSporeGrpcService
{
    /// <summary>The method path.</summary>
    public const string PredictMethod = "/mindspore.serving.proto.MSService/Predict";

    /// <summary>
    /// Registers Predict on <paramref name="registry"/>. Application errors travel in the reply with status OK; the
    /// call is cancelled (nothing sent) when the client goes away or its deadline passes.
    /// </summary>
    public static void Map(GrpcServiceRegistry registry, IPredictor predictor)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(predictor);
        registry.AddUnary<PredictRequest, PredictReply>(PredictMethod, PredictRequest.Parser, async (request, context) =>
        {
            var infer = PredictRequestMapper.ToInferRequest(request);
            var reply = await predictor.PredictAsync(infer, context.CancellationToken);
            return PredictReplyMapper.ToPredictReply(request.ServableSpec, reply);
        });
    }

    /// <summary>
    /// A registry serving Predict and, when <paramref name="health"/> is given, the gRPC health service; map its
    /// <see cref="GrpcServiceRegistry.HandleAsync"/> on an HTTP/2 endpoint.
    /// </summary>
    public static GrpcServiceRegistry CreateRegistry(
        IPredictor predictor, GrpcOptions options, HealthStatusRegistry? health = null, Microsoft.Extensions.Logging.ILogger? logger = null)
    {
        var registry = new GrpcServiceRegistry(options, logger);
        Map(registry, predictor);
        if (health is not null)
        {
            HealthService.Map(registry, health);
        }
        return registry;
    }
}

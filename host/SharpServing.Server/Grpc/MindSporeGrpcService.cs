using SharpServing.Engine;
using SharpServing.Grpc;
using SharpServing.Server.Grpc.Internal;

namespace SharpServing.Server.Grpc;

/// <summary>MindSpore Serving's <c>MSService.Predict</c> over an <see cref="IPredictor"/>.</summary>
public static class MindSporeGrpcService
{
    // The wire messages are read into and written from the engine's types directly: no protobuf object graph per call.
    private static readonly GrpcMarshaller<InferRequest> s_requestMarshaller = new(PredictRequestReader.Parse, null, null);
    private static readonly GrpcMarshaller<PredictResult> s_replyMarshaller = new(null, PredictReplyWriter.CalculateSize, PredictReplyWriter.Write);

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
        registry.AddUnary(PredictMethod, s_requestMarshaller, s_replyMarshaller, async (request, context) =>
            new PredictResult(request, await predictor.PredictAsync(request, context.CancellationToken)));
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

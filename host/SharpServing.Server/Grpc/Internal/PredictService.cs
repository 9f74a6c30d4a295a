using Grpc.Core;
using Microsoft.Extensions.Logging;
using SharpServing.Engine;
using SharpServing.Protocol;

namespace SharpServing.Server.Grpc.Internal;

/// <summary>
/// MindSpore Serving's <c>MSService.Predict</c> over an <see cref="IPredictor"/>. Application errors travel in the reply
/// with status OK; a cancelled call (client gone, deadline passed) sends nothing. One instance serves every call. How a
/// call ends badly is logged here, as <see cref="GrpcCallLogInterceptor"/> logs it for the other services (without its
/// per-call frames).
/// </summary>
internal sealed class PredictService(IPredictor predictor, ILogger<GrpcCallLogInterceptor> logger) : PredictServiceBase
{
    public override async Task<PredictReplyPayload> Predict(InferRequest request, ServerCallContext context)
    {
        try
        {
            var reply = await predictor.PredictAsync(request, context.CancellationToken);
            return new PredictReplyPayload(request, reply);
        }
        catch (Exception ex) when (GrpcCallLogInterceptor.Log(logger, ex, context))
        {
            throw;
        }
    }
}

using Grpc.Core;
using SharpServing.Engine;
using SharpServing.Protocol;

namespace SharpServing.Server.Grpc.Internal;

/// <summary>
/// MindSpore Serving's <c>MSService.Predict</c> over an <see cref="IPredictor"/>. Application errors travel in the reply
/// with status OK; a cancelled call (client gone, deadline passed) sends nothing. One instance serves every call.
/// </summary>
internal sealed class PredictService(IPredictor predictor) : PredictServiceBase
{
    public override async Task<PredictReply> Predict(PredictRequest request, ServerCallContext context)
    {
        var inferRequest = PredictConversion.ToInferRequest(request);
        var reply = await predictor.PredictAsync(inferRequest, context.CancellationToken);
        return PredictConversion.ToPredictReply(inferRequest, reply);
    }
}

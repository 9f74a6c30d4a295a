using Google.Protobuf;
using Grpc.Core;
using SharpServing.Engine;
using SharpServing.Protocol;

namespace SharpServing.Server.Grpc.Internal;

/// <summary>
/// <c>MSService.Predict</c>, bound like the generated service base but with marshallers of our own, which read the
/// request straight into the engine's <see cref="InferRequest"/> (<see cref="PredictRequestPayload"/>) and write the reply
/// straight from its <see cref="InferReply"/> (<see cref="PredictReplyPayload"/>), with Google.Protobuf's reader and
/// writer but without the generated messages. A body that is not a valid <see cref="PredictRequest"/> is the client's
/// fault, answered INVALID_ARGUMENT (and logged by grpc-dotnet as a status, at Information), where the generated
/// marshaller's parse exception would reach the client as UNKNOWN and the log as a server error.
/// </summary>
/// <remarks>grpc-dotnet finds <see cref="BindService"/> through <see cref="BindServiceMethodAttribute"/> and binds the
/// override of <see cref="Predict(InferRequest, ServerCallContext)"/>; server reflection finds <see cref="Descriptor"/>.</remarks>
[BindServiceMethod(typeof(PredictServiceBase), nameof(BindService))]
internal abstract class PredictServiceBase
{
    private static readonly Method<InferRequest, PredictReplyPayload> s_predict = new(
        MethodType.Unary,
        "mindspore.serving.proto.MSService",
        "Predict",
        Marshallers.Create<InferRequest>(static (_, _) => throw new NotSupportedException("The server never writes a PredictRequest."), DeserializeRequest),
        Marshallers.Create<PredictReplyPayload>(SerializeReply, static _ => throw new NotSupportedException("The server never reads a PredictReply.")));

    /// <summary>The service's protobuf descriptor (for server reflection).</summary>
    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => MSService.Descriptor;

    /// <summary>Called by grpc-dotnet's service binder (with a null service while it discovers methods).</summary>
    public static void BindService(ServiceBinderBase binder, PredictServiceBase? service)
    {
        ArgumentNullException.ThrowIfNull(binder);
        binder.AddMethod(s_predict, service is null ? null : service.Predict);
    }

    /// <summary>Answers one Predict call.</summary>
    public abstract Task<PredictReplyPayload> Predict(InferRequest request, ServerCallContext context);

    private static InferRequest DeserializeRequest(DeserializationContext context)
    {
        try
        {
            return PredictRequestPayload.Read(context.PayloadAsReadOnlySequence());
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"The request is not a valid PredictRequest: {e.Message}"));
        }
    }

    private static void SerializeReply(PredictReplyPayload message, SerializationContext context)
    {
        context.SetPayloadLength(message.CalculateSize());
        message.WriteTo(context.GetBufferWriter());
        context.Complete();
    }
}

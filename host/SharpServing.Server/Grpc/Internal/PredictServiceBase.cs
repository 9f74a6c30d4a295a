using Google.Protobuf;
using Grpc.Core;
using SharpServing.Protocol;

namespace SharpServing.Server.Grpc.Internal;

/// <summary>
/// <c>MSService.Predict</c>, bound like the generated service base but with marshallers of our own. The request: a body
/// that is not a valid <see cref="PredictRequest"/> is the client's fault, answered INVALID_ARGUMENT (and logged by
/// grpc-dotnet as a status, at Information), where the generated marshaller's parse exception would reach the client as
/// UNKNOWN and the log as a server error. The reply is a <see cref="PredictReplyPayload"/>: the <c>PredictReply</c> bytes
/// written from the engine's reply, without building the message first.
/// </summary>
/// <remarks>grpc-dotnet finds <see cref="BindService"/> through <see cref="BindServiceMethodAttribute"/> and binds the
/// override of <see cref="Predict(PredictRequest, ServerCallContext)"/>; server reflection finds <see cref="Descriptor"/>.</remarks>
[BindServiceMethod(typeof(PredictServiceBase), nameof(BindService))]
internal abstract class PredictServiceBase
{
    private static readonly Method<PredictRequest, PredictReplyPayload> s_predict = new(
        MethodType.Unary,
        "mindspore.serving.proto.MSService",
        "Predict",
        Marshallers.Create(SerializeRequest, DeserializeRequest),
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
    public abstract Task<PredictReplyPayload> Predict(PredictRequest request, ServerCallContext context);

    private static PredictRequest DeserializeRequest(DeserializationContext context)
    {
        try
        {
            return PredictRequest.Parser.ParseFrom(context.PayloadAsReadOnlySequence());
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"The request is not a valid PredictRequest: {e.Message}"));
        }
    }

    private static void SerializeRequest(PredictRequest message, SerializationContext context) => Serialize(message, context);

    private static void SerializeReply(PredictReplyPayload message, SerializationContext context) => Serialize(message, context);

    private static void Serialize(IMessage message, SerializationContext context)
    {
        context.SetPayloadLength(message.CalculateSize());
        message.WriteTo(context.GetBufferWriter());
        context.Complete();
    }
}

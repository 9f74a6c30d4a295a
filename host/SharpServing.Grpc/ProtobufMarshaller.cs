using Google.Protobuf;

namespace SharpServing.Grpc;

/// <summary>Marshallers of Google.Protobuf messages.</summary>
public static class ProtobufMarshaller
{
    /// <summary>Parses with <paramref name="parser"/>; writes through the output's pooled segments (no contiguous copy).</summary>
    public static GrpcMarshaller<T> For<T>(MessageParser<T> parser)
        where T : IMessage<T>
    {
        ArgumentNullException.ThrowIfNull(parser);
        return new GrpcMarshaller<T>(parser.ParseFrom, static m => m.CalculateSize(), static (m, output) => m.WriteTo(output));
    }
}

using Google.Protobuf;
using Google.Protobuf.Reflection;
using SharpServing.Internal;

namespace SharpServing.ClientTests;

/// <summary>The client's gRPC layer against a hand-written server: headers it sends, and every malformed reply it must map.</summary>
public sealed class WireProtocolTests(RawServer server) : IClassFixture<RawServer>
{
    private static readonly Dictionary<string, object> s_instance = new() { ["x"] = 1f };

    [Fact]
    public void Request_CarriesTheGrpcHeaders()
    {
        using var client = Client("ok");
        client.Timeout = TimeSpan.FromSeconds(20);

        var result = client.Infer(s_instance);

        Assert.Equal("te=trailers; content-type=application/grpc; grpc-timeout=20000000u; path=/mindspore.serving.proto.MSService/Predict", result.Error);
    }

    [Fact]
    public void Request_WithoutTimeout_SendsNoGrpcTimeout()
    {
        using var client = new Client(server.Address, "ok", "m");

        Assert.EndsWith("grpc-timeout=; path=/mindspore.serving.proto.MSService/Predict", client.Infer(s_instance).Error);
    }

    [Theory]
    [InlineData("http404", GrpcStatusCode.Unimplemented, "Received http2 header with status: 404")]
    [InlineData("trailers-only", GrpcStatusCode.NotFound, "no such thing ✓")]
    [InlineData("trailers-only-ok", GrpcStatusCode.Internal, "the server completed the call without a reply message")]
    [InlineData("text-plain", GrpcStatusCode.Internal, "Bad gRPC response. Invalid content-type value: text/plain")]
    [InlineData("no-status", GrpcStatusCode.Internal, "the reply has no grpc-status trailer")]
    [InlineData("error-status", GrpcStatusCode.Internal, "boom!")]
    [InlineData("no-message", GrpcStatusCode.Internal, "the server completed the call without a reply message")]
    [InlineData("two-messages", GrpcStatusCode.Internal, "the reply holds more than one message for a unary call")]
    [InlineData("compressed", GrpcStatusCode.Internal, "the reply message is compressed, but no compression was accepted")]
    [InlineData("truncated", GrpcStatusCode.Internal, "the reply ended inside a message")]
    [InlineData("huge", GrpcStatusCode.ResourceExhausted, "Received message larger than max (629145600 vs. 536870912)")]
    public async Task MalformedReplies_MapToAStatus(string behaviour, GrpcStatusCode code, string detail)
    {
        using var client = Client(behaviour);

        var result = client.Infer(s_instance);
        var e = await Assert.ThrowsAsync<ServingRpcException>(() => client.InferAsync(s_instance).WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal(code, result.TransportStatus);
        Assert.Equal(GrpcErrorText.Format(code, detail), result.Error);
        Assert.Equal((code, detail), (e.StatusCode, e.Detail));
    }

    [Fact]
    public void GarbageReply_IsInternal()
    {
        using var client = Client("garbage");

        var result = client.Infer(s_instance);

        Assert.Equal(GrpcStatusCode.Internal, result.TransportStatus);
        Assert.StartsWith("Grpc Error, (13, 'internal'), Failed to deserialize response message: ", result.Error);
    }

    [Fact]
    public void StreamResetWithCancel_IsCancelled()
    {
        using var client = Client("reset");

        Assert.Equal(GrpcStatusCode.Cancelled, client.Infer(s_instance).TransportStatus);
    }

    [Fact]
    public void Frame_OverTheSendLimit_IsResourceExhausted_BeforeAnythingIsSent()
    {
        var e = Assert.Throws<ServingRpcException>(() => GrpcChannel.Frame(new SizedMessage(GrpcChannel.MaxMessageSize + 1)));

        Assert.Equal(GrpcStatusCode.ResourceExhausted, e.StatusCode);
        Assert.Equal("Grpc Error, (8, 'resource exhausted'), Sent message larger than max (536870913 vs. 536870912)", e.Message);
    }

    [Fact]
    public void Frame_IsALengthPrefixedMessage()
    {
        var message = new Protocol.ServableSpec { Name = "add" };

        var frame = GrpcChannel.Frame(message);

        Assert.Equal([0, 0, 0, 0, 5, 0x0A, 3, (byte)'a', (byte)'d', (byte)'d'], frame);
    }

    private Client Client(string behaviour) => new(server.Address, behaviour, "m") { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>A message that only reports a size: enough to reach the send-limit check without allocating it.</summary>
    private sealed class SizedMessage(int size) : IMessage
    {
        public MessageDescriptor Descriptor => throw new NotSupportedException();

        public int CalculateSize() => size;

        public void MergeFrom(CodedInputStream input) => throw new NotSupportedException();

        public void WriteTo(CodedOutputStream output) => throw new NotSupportedException();
    }
}

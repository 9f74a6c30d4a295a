using Google.Protobuf;
using Google.Protobuf.Reflection;
using SharpServing.Internal;

namespace SharpServing.ClientTests;

/// <summary>The client's gRPC layer against a hand-written server: headers it sends, and every malformed reply it must map.</summary>
public sealed class WireProtocolTests(RawServer server) : IClassFixture<RawServer>
{
    private static readonly Dictionary<string, object> s_instance = new() { ["x"] = 1f };

    [Fact]
    public void Request_CarriesTheGrpcHeaders_AndOneLengthPrefixedMessage()
    {
        using var client = Client("ok");
        client.Timeout = TimeSpan.FromSeconds(20);

        var echo = client.Infer(s_instance).Error!;

        var length = RequestBytes().Length;
        Assert.StartsWith($"te=trailers; content-type=application/grpc; path=/mindspore.serving.proto.MSService/Predict; prefix=0,{length},{length}; grpc-timeout=", echo);
        var timeout = ParseGrpcTimeout(echo[(echo.LastIndexOf('=') + 1)..]);
        Assert.InRange(timeout, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(20));
    }

    [Fact]
    public void Request_WithoutTimeout_SendsNoGrpcTimeout()
    {
        using var client = new Client(server.Address, "ok", "m");

        Assert.EndsWith("; grpc-timeout=", client.Infer(s_instance).Error);
    }

    [Fact]
    public void Request_WithTimeoutsBeyondTheCalendar_HasNoDeadline_AndOneOfYearsHasIt()
    {
        using var client = Client("ok");

        var years = client.Infer(s_instance, TimeSpan.FromDays(36_500)).Error!;
        var beyond = client.Infer(s_instance, TimeSpan.MaxValue).Error!;

        // Grpc.Net.Client caps the header at 99999999 seconds (over three years).
        Assert.InRange(ParseGrpcTimeout(years[(years.LastIndexOf('=') + 1)..]), TimeSpan.FromDays(1_000), TimeSpan.FromDays(36_500));
        Assert.EndsWith("; grpc-timeout=", beyond);
    }

    [Fact]
    public async Task Calls_ShareTheClientsOneConnection_AndEachClientHasItsOwn()
    {
        using var client = Client("connection");
        using var other = Client("connection");

        var first = client.Infer(s_instance).Error;
        var concurrent = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => client.InferAsync(s_instance))).WaitAsync(TimeSpan.FromSeconds(30));
        var last = client.Infer(s_instance).Error;
        var others = other.Infer(s_instance).Error;

        Assert.All(concurrent, result => Assert.Equal(first, result.Error));
        Assert.Equal(first, last);
        Assert.NotEqual(first, others);
    }

    [Theory]
    [InlineData("http404", GrpcStatusCode.Unimplemented, "HTTP status code: 404")]
    [InlineData("trailers-only", GrpcStatusCode.NotFound, "no such thing ✓")]
    [InlineData("trailers-only-ok", GrpcStatusCode.Internal, "Failed to deserialize response message.")]
    // Grpc.Net.Client reports a reply that is not gRPC, or has no status, as CANCELLED.
    [InlineData("text-plain", GrpcStatusCode.Cancelled, "Bad gRPC response. Invalid content-type value: text/plain")]
    [InlineData("no-status", GrpcStatusCode.Cancelled, "No grpc-status found on response.")]
    [InlineData("error-status", GrpcStatusCode.Internal, "boom!")]
    [InlineData("no-message", GrpcStatusCode.Internal, "Failed to deserialize response message.")]
    [InlineData("two-messages", GrpcStatusCode.Internal, "Unexpected data after finished reading message.")]
    [InlineData("compressed", GrpcStatusCode.Internal, "'identity' grpc-encoding value with compressed message.")]
    [InlineData("truncated", GrpcStatusCode.Internal, "Unexpected end of content while reading the message content.")]
    [InlineData("huge", GrpcStatusCode.ResourceExhausted, "Received message exceeds the maximum configured message size.")]
    [InlineData("garbage", GrpcStatusCode.Internal, "Failed to deserialize response message: ")]
    [InlineData("reset", GrpcStatusCode.Cancelled, "HTTP/2 error code 'CANCEL' (0x8)")]
    public async Task MalformedReplies_MapToAStatus(string behaviour, GrpcStatusCode code, string detail)
    {
        using var client = Client(behaviour);

        var result = client.Infer(s_instance);
        var e = await Assert.ThrowsAsync<ServingRpcException>(() => client.InferAsync(s_instance).WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal(code, result.TransportStatus);
        Assert.Equal(code, e.StatusCode);
        Assert.Contains(detail, e.Detail, StringComparison.Ordinal);
        Assert.Equal(GrpcErrorText.Format(code, e.Detail), result.Error);
        Assert.IsType<global::Grpc.Core.RpcException>(e.InnerException);
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a%20b", "a b")]
    [InlineData("%E2%9C%93 ok", "✓ ok")]
    [InlineData("100%", "100%")]
    [InlineData("%zz%4", "%zz%4")]
    public void GrpcMessage_IsPercentDecoded(string wire, string expected)
    {
        using var client = new Client(server.Address, "message", wire) { Timeout = TimeSpan.FromSeconds(30) };

        var result = client.Infer(s_instance);

        Assert.Equal(GrpcErrorText.Format(GrpcStatusCode.InvalidArgument, expected), result.Error);
    }

    [Fact]
    public void Request_OverTheSendLimit_IsResourceExhausted_BeforeAnythingIsSent()
    {
        var e = Assert.Throws<ServingRpcException>(() => PredictChannel.CheckSendSize(new SizedMessage(PredictChannel.MaxMessageSize + 1)));

        Assert.Equal(GrpcStatusCode.ResourceExhausted, e.StatusCode);
        Assert.Equal("Grpc Error, (8, 'resource exhausted'), Sent message larger than max (536870913 vs. 536870912)", e.Message);
    }

    [Fact]
    public void Request_AtTheSendLimit_Passes()
        => PredictChannel.CheckSendSize(new SizedMessage(PredictChannel.MaxMessageSize));

    private Client Client(string behaviour) => new(server.Address, behaviour, "m") { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>The request the client sends for <see cref="s_instance"/> to the "ok" behaviour.</summary>
    private static byte[] RequestBytes()
        => RequestBuilder.Build(new Protocol.ServableSpec { Name = "ok", MethodName = "m" }, s_instance).ToByteArray();

    /// <summary>A grpc-timeout value: up to 8 digits and a unit (gRPC over HTTP/2).</summary>
    private static TimeSpan ParseGrpcTimeout(string value)
    {
        var amount = long.Parse(value[..^1], System.Globalization.CultureInfo.InvariantCulture);
        return value[^1] switch
        {
            'H' => TimeSpan.FromHours(amount),
            'M' => TimeSpan.FromMinutes(amount),
            'S' => TimeSpan.FromSeconds(amount),
            'm' => TimeSpan.FromMilliseconds(amount),
            'u' => TimeSpan.FromMicroseconds(amount),
            'n' => TimeSpan.FromTicks(amount / 100),
            _ => throw new FormatException($"grpc-timeout '{value}' has no unit"),
        };
    }

    /// <summary>A message that only reports a size: enough to reach the send-limit check without allocating it.</summary>
    private sealed class SizedMessage(int size) : IMessage
    {
        public MessageDescriptor Descriptor => throw new NotSupportedException();

        public int CalculateSize() => size;

        public void MergeFrom(CodedInputStream input) => throw new NotSupportedException();

        public void WriteTo(CodedOutputStream output) => throw new NotSupportedException();
    }
}

using System.Buffers.Binary;
using System.Net;
using Google.Protobuf;
using Grpc.Core;
using SharpServing.Server.Grpc;
using static SharpServing.Server.Tests.Grpc.Wire;

namespace SharpServing.Server.Tests.Grpc;

/// <summary>
/// The gRPC protocol of the real server (Grpc.AspNetCore on Kestrel) seen through raw HTTP/2 requests: framing, limits,
/// compression, deadlines, cancellation, and malformed input, each answered with a gRPC status or a MindSpore error
/// text while the server keeps serving.
/// </summary>
public sealed class GrpcProtocolTests : IAsyncLifetime
{
    private readonly TestPredictor _predictor = new();
    private GrpcServerHost _host = null!;
    private RawGrpcClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await TestHosts.StartAsync(_predictor, maxMsgMbSize: 1);
        _client = new RawGrpcClient(_host.EndPoint);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task Predict_answers_with_grpc_content_type_and_an_ok_trailer()
    {
        using var request = RawGrpcClient.CreateRequest(RawGrpcClient.PredictPath, RawGrpcClient.Frame(AddRequest(AddInstance(1))));
        using var response = await _client.SendAsync(request);
        var result = await RawGrpcClient.ReadAsync(response);

        Assert.Equal(StatusCode.OK, result.Status);
        Assert.False(result.TrailersOnly);
        Assert.Equal("application/grpc", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal([2f, 2f, 2f, 2f], Floats(result.Reply().Instances.Single().Items["y"]));
    }

    [Theory]
    [InlineData("/mindspore.serving.proto.MSService/Nope")]
    [InlineData("/test.Test/Nope")]
    public async Task Unknown_paths_are_unimplemented(string path)
    {
        var result = await _client.CallAsync(RawGrpcClient.Frame(AddRequest(AddInstance(1))), path);

        Assert.Equal(StatusCode.Unimplemented, result.Status);
        Assert.Empty(result.Messages);
    }

    [Fact]
    public async Task Message_over_the_receive_limit_is_resource_exhausted_before_the_predictor_runs()
    {
        var big = AddRequest(Instance(("x1", Filled(1, 1024, 300)), ("x2", Filled(1, 2, 2))));

        var result = await _client.CallAsync(RawGrpcClient.Frame(big));

        Assert.Equal(StatusCode.ResourceExhausted, result.Status);
        Assert.Equal("Received message exceeds the maximum configured message size.", result.Detail);
        Assert.Equal(0, _predictor.Calls);
        await AssertServesAsync();
    }

    [Theory]
    [InlineData(0x7FFF_FFFFu)]
    [InlineData(0x4000_0000u)]
    public async Task A_huge_length_prefix_alone_is_resource_exhausted_without_waiting_for_the_body(uint length)
    {
        var prefix = new byte[5];
        BinaryPrimitives.WriteUInt32BigEndian(prefix.AsSpan(1), length);

        var result = await _client.CallAsync(prefix);

        Assert.Equal(StatusCode.ResourceExhausted, result.Status);
        Assert.Equal(0, _predictor.Calls);
        await AssertServesAsync();
    }

    [Fact]
    public async Task Reply_over_the_send_limit_is_resource_exhausted()
    {
        // 0.6 MiB in, twice that out: under the receive limit, over the send limit.
        var request = Request("add", "double", 0, Instance(("x1", Filled(1, 1024, 150))));

        var result = await _client.CallAsync(RawGrpcClient.Frame(request));

        Assert.Equal(StatusCode.ResourceExhausted, result.Status);
        Assert.Equal("Sending message exceeds the maximum configured message size.", result.Detail);
        Assert.Empty(result.Messages);
        await AssertServesAsync();
    }

    [Fact]
    public async Task Gzip_request_is_accepted_and_over_the_limit_after_decompression_is_resource_exhausted()
    {
        var small = await _client.CallAsync(RawGrpcClient.Frame(AddRequest(AddInstance(3)), gzip: true),
            configure: r => r.Headers.Add("grpc-encoding", "gzip"));
        // 2 MiB of zeros compress far below the 1 MiB limit.
        var big = await _client.CallAsync(RawGrpcClient.Frame(Request("add", "echo", 0, Instance(("x1", Filled(0, 1024, 512)))), gzip: true),
            configure: r => r.Headers.Add("grpc-encoding", "gzip"));

        Assert.Equal(StatusCode.OK, small.Status);
        Assert.Equal([6f, 6f, 6f, 6f], Floats(small.Reply().Instances.Single().Items["y"]));
        Assert.Equal(StatusCode.ResourceExhausted, big.Status);
        Assert.Equal(1, _predictor.Calls);
    }

    [Fact]
    public async Task Compressed_message_in_an_unsupported_encoding_is_unimplemented()
    {
        var result = await _client.CallAsync(RawGrpcClient.Frame(AddRequest(AddInstance(1)), gzip: true), configure: r => r.Headers.Add("grpc-encoding", "snappy"));

        Assert.Equal(StatusCode.Unimplemented, result.Status);
    }

    [Fact]
    public async Task Truncated_frame_and_two_messages_on_a_unary_call_are_internal()
    {
        var framed = RawGrpcClient.Frame(AddRequest(AddInstance(1)));

        var truncated = await _client.CallAsync(framed[..^2]);
        var headerOnly = await _client.CallAsync(framed[..3]);
        var twice = await _client.CallAsync([.. framed, .. framed]);

        Assert.Equal((StatusCode.Internal, "Incomplete message."), (truncated.Status, truncated.Detail));
        Assert.Equal(StatusCode.Internal, headerOnly.Status);
        Assert.Equal((StatusCode.Internal, "Additional data after the message received."), (twice.Status, twice.Detail));
        Assert.Equal(0, _predictor.Calls);
        await AssertServesAsync();
    }

    [Fact]
    public async Task Wrong_content_type_is_http_415()
    {
        using var request = RawGrpcClient.CreateRequest(RawGrpcClient.PredictPath, RawGrpcClient.Frame(AddRequest(AddInstance(1))), "application/json");
        using var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task Deeply_nested_groups_are_a_grpc_error_and_the_server_keeps_serving()
    {
        // 100,000 start-group tags: a parser without a recursion limit overflows its stack.
        var nested = Enumerable.Repeat((byte)0x0B, 100_000).ToArray();

        var result = await _client.CallAsync(RawGrpcClient.Frame(nested));

        Assert.Equal(StatusCode.InvalidArgument, result.Status);
        Assert.Empty(result.Messages);
        Assert.Equal(0, _predictor.Calls);
        await AssertServesAsync();
    }

    [Theory]
    [InlineData(new byte[] { 0x0A, 0x05, 0x01 })] // field 1 (servable_spec) claims 5 bytes, 1 follows
    [InlineData(new byte[] { 0x0F })] // wire type 7 does not exist
    [InlineData(new byte[] { 0x12, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F })] // field 2 (instances) with a negative length
    [InlineData(new byte[] { 0x0C })] // an end-group tag with no group open
    public async Task A_body_that_is_not_a_PredictRequest_is_invalid_argument_and_the_server_keeps_serving(byte[] body)
    {
        var result = await _client.CallAsync(RawGrpcClient.Frame(body));

        Assert.Equal(StatusCode.InvalidArgument, result.Status);
        Assert.StartsWith("The request is not a valid PredictRequest: ", result.Detail, StringComparison.Ordinal);
        Assert.Empty(result.Messages);
        Assert.Equal(0, _predictor.Calls);
        await AssertServesAsync();
    }

    [Fact]
    public async Task Deeply_nested_length_delimited_fields_are_skipped_without_recursion()
    {
        // 10,000 levels of field 2 inside field 2: past the declared fields (instance → output buffer entry → shared-memory
        // descriptor) the rest is an unknown field of the wrong wire type, skipped whole as protobuf skips it.
        var message = Array.Empty<byte>();
        for (var i = 0; i < 10_000; i++)
        {
            message = [0x12, .. Varint((ulong)message.Length), .. message];
        }

        var result = await _client.CallAsync(RawGrpcClient.Frame(message));

        Assert.Equal(StatusCode.OK, result.Status);
        AssertRequestError(result.Reply(), 2, "Request servable() method() , servable is not available");
    }

    [Theory]
    [InlineData(new byte[] { 0x0A, 0x05, 0x0A })] // a spec longer than the message
    [InlineData(new byte[] { 0x18, 0xFF })] // a varint cut off
    [InlineData(new byte[] { 0x07 })] // wire type 7
    [InlineData(new byte[] { 0x00 })] // field number 0
    [InlineData(new byte[] { 0x0C })] // an end-group with no start
    public async Task Malformed_protobuf_is_a_grpc_error(byte[] message)
    {
        var result = await _client.CallAsync(RawGrpcClient.Frame(message));

        Assert.NotEqual(StatusCode.OK, result.Status);
        Assert.Equal(0, _predictor.Calls);
        await AssertServesAsync();
    }

    [Fact]
    public async Task Fields_with_the_wrong_wire_type_are_skipped_as_protobuf_skips_unknown_fields()
    {
        // servable_spec (field 1) as a varint, instances (field 2) as a fixed64: neither is the declared field.
        byte[] message = [0x08, 0x01, 0x11, 1, 2, 3, 4, 5, 6, 7, 8];

        var result = await _client.CallAsync(RawGrpcClient.Frame(message));

        Assert.Equal(StatusCode.OK, result.Status);
        AssertRequestError(result.Reply(), 2, "Request servable() method() , servable is not available");
    }

    [Theory]
    [InlineData(new long[] { -1, 2 }, "Tensor check failed: input  shape [-1, 2] invalid")]
    [InlineData(new long[] { 0, 2 }, "Tensor check failed: input  shape [0, 2] invalid")]
    [InlineData(new long[] { long.MaxValue, long.MaxValue }, "Tensor check failed: input data size 16 invalid")]
    [InlineData(new long[] { 1L << 62, 4 }, "Tensor check failed: input data size 16 invalid")]
    public async Task Negative_misplaced_zero_and_overflowing_shapes_get_the_mindspore_text(long[] dims, string detail)
    {
        var request = AddRequest(Instance(("x1", Numeric(Protocol.DataType.MsFloat32, new byte[16], dims)), ("x2", Filled(1, 2, 2))));

        var result = await _client.CallAsync(RawGrpcClient.Frame(request));

        Assert.Equal(StatusCode.OK, result.Status);
        AssertRequestError(result.Reply(), 2, $"Instances input x1 check failed, detail: {detail}");
    }

    [Fact]
    public async Task Deadline_cancels_the_predictor_and_returns_deadline_exceeded()
    {
        // Long enough for the call to reach the predictor on a loaded machine: a deadline that passes while the message is
        // still being read ends the call before any handler runs, and there is then nothing to cancel.
        var result = await _client.CallAsync(RawGrpcClient.Frame(Request("add", "wait", 0)), configure: r => r.Headers.Add("grpc-timeout", "2S"));

        Assert.Equal(StatusCode.DeadlineExceeded, result.Status);
        Assert.True(_predictor.WaitStarted.Task.IsCompleted);
        await _predictor.WaitCancelled.Task.WaitAsync(RawGrpcClient.Timeout);
        await AssertServesAsync();
    }

    [Fact]
    public async Task Client_reset_cancels_the_predictor()
    {
        using var cts = new CancellationTokenSource();
        using var request = RawGrpcClient.CreateRequest(RawGrpcClient.PredictPath, RawGrpcClient.Frame(Request("add", "wait", 0)));
        var send = _client.SendAsync(request, cts.Token);
        await _predictor.WaitStarted.Task.WaitAsync(RawGrpcClient.Timeout);

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send);
        await _predictor.WaitCancelled.Task.WaitAsync(RawGrpcClient.Timeout);
        await AssertServesAsync();
    }

    [Fact]
    public async Task One_hundred_concurrent_calls_on_one_connection_all_succeed_by_default()
    {
        // No call answers before all 100 are in flight: Kestrel's default of 100 streams per connection carries them.
        _predictor.GatherTarget = 100;

        var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(i =>
            _client.CallAsync(RawGrpcClient.Frame(Request("add", "gather", 0, Instance(("i", Filled(i, 1))))))));

        Assert.All(results, r => Assert.Equal(StatusCode.OK, r.Status));
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (float)i), results.Select(r => Floats(r.Reply().Instances.Single().Items["i"]).Single()));
    }

    [Fact]
    public async Task Two_hundred_concurrent_calls_on_one_connection_all_succeed_when_the_stream_limit_allows_them()
    {
        // No call answers before all 200 are in flight: with the default of 100 streams per connection this would hang.
        var predictor = new TestPredictor { GatherTarget = 200 };
        var limits = SharpServing.Server.Hosting.Internal.FrontEndLimits.Default() with { Http2MaxStreams = 200 };
        await using var host = await GrpcServerHost.StartAsync(SharpServing.Server.Hosting.ListenAddress.Tcp(IPAddress.Loopback, 0), 1, null,
            predictor, null, null, null, TextWriter.Null, limits, CancellationToken.None).WaitAsync(TestHosts.Timeout);
        using var client = new RawGrpcClient(host.EndPoint);

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            client.CallAsync(RawGrpcClient.Frame(Request("add", "gather", 0, Instance(("i", Filled(i, 1))))))));

        Assert.All(results, r => Assert.Equal(StatusCode.OK, r.Status));
        Assert.Equal(Enumerable.Range(0, 200).Select(i => (float)i), results.Select(r => Floats(r.Reply().Instances.Single().Items["i"]).Single()));
    }

    [Fact]
    public async Task Messages_over_kestrels_30_MB_body_limit_pass_when_max_msg_mb_size_allows_them()
    {
        await using var host = await TestHosts.StartAsync(_predictor, maxMsgMbSize: 100);
        using var client = new RawGrpcClient(host.EndPoint);
        var request = Request("add", "echo", 0, Instance(("x1", Filled(1, 9 * 1024 * 1024))));

        var result = await client.CallAsync(RawGrpcClient.Frame(request));

        Assert.Equal(StatusCode.OK, result.Status);
        Assert.Equal(36 * 1024 * 1024, result.Reply().Instances.Single().Items["x1"].Data.Length);
    }

    private async Task AssertServesAsync()
    {
        var result = await _client.CallAsync(RawGrpcClient.Frame(AddRequest(AddInstance(2))));

        Assert.Equal(StatusCode.OK, result.Status);
        Assert.Equal([4f, 4f, 4f, 4f], Floats(result.Reply().Instances.Single().Items["y"]));
    }

    private static byte[] Varint(ulong value)
    {
        var bytes = new List<byte>();
        while (value >= 0x80)
        {
            bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }
        bytes.Add((byte)value);
        return [.. bytes];
    }
}

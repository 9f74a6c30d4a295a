using System.Net;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace SharpServing.Grpc.Tests;

public sealed class GrpcProtocolTests : IAsyncLifetime
{
    private readonly TestService _service = new();
    private TestServer _server = null!;
    private GrpcTestClient _client = null!;

    public async Task InitializeAsync()
    {
        var options = new GrpcOptions { MaxReceiveMessageSize = 64 * 1024, MaxSendMessageSize = 32 * 1024 };
        _server = await TestServer.StartAsync(_service.CreateRegistry(options));
        _client = new GrpcTestClient(_server.Address);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Unary_call_echoes_with_grpc_content_type_and_ok_trailer()
    {
        var payload = new BytesValue { Value = ByteString.CopyFromUtf8("hello") };

        var result = await _client.CallAsync(TestService.Echo, payload, BytesValue.Parser);

        Assert.Equal(GrpcStatusCode.OK, result.Status);
        Assert.False(result.TrailersOnly);
        Assert.Equal("application/grpc", result.Response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(HttpStatusCode.OK, result.Response.StatusCode);
        Assert.Equal(payload, Assert.Single(result.Messages));
    }

    [Fact]
    public async Task Proto_content_type_is_echoed()
    {
        using var request = GrpcTestClient.CreateRequest(TestService.Echo, GrpcTestClient.Frame(new BytesValue()), "application/grpc+proto");
        using var response = await _client.SendAsync(request);
        var result = await GrpcTestClient.ReadAsync(response, BytesValue.Parser);

        Assert.Equal(GrpcStatusCode.OK, result.Status);
        Assert.Equal("application/grpc+proto", response.Content.Headers.ContentType!.ToString());
    }

    [Fact]
    public async Task Unknown_path_is_unimplemented_in_a_trailers_only_reply()
    {
        var result = await _client.CallAsync("/test.Test/Nope", new Empty(), Empty.Parser);

        Assert.Equal(GrpcStatusCode.Unimplemented, result.Status);
        Assert.True(result.TrailersOnly);
        Assert.Empty(result.Messages);
        Assert.Equal("Method not found: /test.Test/Nope", result.Detail);
    }

    [Fact]
    public async Task Handler_status_and_unicode_message_are_percent_encoded()
    {
        const string Text = "bad input: 100% wrong, grüße\n";

        var result = await _client.CallAsync(TestService.Fail, new StringValue { Value = Text }, Empty.Parser);

        Assert.Equal(GrpcStatusCode.InvalidArgument, result.Status);
        Assert.True(result.TrailersOnly);
        var raw = result.Response.Headers.GetValues("grpc-message").Single();
        Assert.Equal("bad input: 100%25 wrong, gr%C3%BC%C3%9Fe%0A", raw);
        Assert.Equal(Text, result.Detail);
    }

    [Fact]
    public async Task Handler_exception_is_unknown_without_its_text()
    {
        var result = await _client.CallAsync(TestService.Throw, new Empty(), Empty.Parser);

        Assert.Equal(GrpcStatusCode.Unknown, result.Status);
        Assert.DoesNotContain("secret", result.Detail);
    }

    [Fact]
    public async Task Message_over_receive_limit_is_resource_exhausted_before_the_handler_runs()
    {
        var big = new BytesValue { Value = ByteString.CopyFrom(new byte[70 * 1024]) };

        var result = await _client.CallAsync(TestService.Echo, big, BytesValue.Parser);

        Assert.Equal(GrpcStatusCode.ResourceExhausted, result.Status);
        Assert.StartsWith("Received message larger than max (", result.Detail);
        Assert.Equal(0, _service.EchoCalls);
    }

    [Fact]
    public async Task Receive_limit_is_checked_from_the_length_prefix_alone()
    {
        // Only a prefix announcing 1 GiB is sent, no body: the status must come without waiting for it.
        byte[] prefix = [0, 0x40, 0, 0, 0];
        using var request = GrpcTestClient.CreateRequest(TestService.Echo, prefix);
        using var response = await _client.SendAsync(request);
        var result = await GrpcTestClient.ReadAsync(response, BytesValue.Parser);

        Assert.Equal(GrpcStatusCode.ResourceExhausted, result.Status);
        Assert.Equal("Received message larger than max (1073741824 vs. 65536)", result.Detail);
    }

    [Fact]
    public async Task Reply_over_send_limit_is_resource_exhausted()
    {
        var ok = await _client.CallAsync(TestService.Sized, new Int32Value { Value = 30 * 1024 }, BytesValue.Parser);
        var tooBig = await _client.CallAsync(TestService.Sized, new Int32Value { Value = 33 * 1024 }, BytesValue.Parser);

        Assert.Equal(GrpcStatusCode.OK, ok.Status);
        Assert.Equal(30 * 1024, ok.Messages.Single().Value.Length);
        Assert.Equal(GrpcStatusCode.ResourceExhausted, tooBig.Status);
        Assert.True(tooBig.TrailersOnly);
        Assert.StartsWith("Sent message larger than max (", tooBig.Detail);
    }

    [Fact]
    public async Task Gzip_request_is_accepted()
    {
        var payload = new BytesValue { Value = ByteString.CopyFrom(new byte[30_000]) };

        var result = await _client.CallAsync(TestService.Echo, payload, BytesValue.Parser,
            r => r.Headers.Add("grpc-encoding", "gzip"), gzip: true);

        Assert.Equal(GrpcStatusCode.OK, result.Status);
        Assert.Equal(payload, result.Messages.Single());
    }

    [Fact]
    public async Task Gzip_request_over_the_limit_after_decompression_is_resource_exhausted()
    {
        // 200 KB of zeros compresses far below the 64 KB limit.
        var payload = new BytesValue { Value = ByteString.CopyFrom(new byte[200_000]) };

        var result = await _client.CallAsync(TestService.Echo, payload, BytesValue.Parser,
            r => r.Headers.Add("grpc-encoding", "gzip"), gzip: true);

        Assert.Equal(GrpcStatusCode.ResourceExhausted, result.Status);
        Assert.Equal(0, _service.EchoCalls);
    }

    [Fact]
    public async Task Unsupported_encoding_is_unimplemented_and_advertises_accepted_encodings()
    {
        var result = await _client.CallAsync(TestService.Echo, new BytesValue(), BytesValue.Parser,
            r => r.Headers.Add("grpc-encoding", "snappy"));

        Assert.Equal(GrpcStatusCode.Unimplemented, result.Status);
        Assert.Equal("identity,gzip", result.Response.Headers.GetValues("grpc-accept-encoding").Single());
    }

    [Fact]
    public async Task Compressed_flag_without_encoding_is_internal()
    {
        var framed = GrpcTestClient.Frame(new BytesValue { Value = ByteString.CopyFromUtf8("x") }, gzip: true);
        using var request = GrpcTestClient.CreateRequest(TestService.Echo, framed);
        using var response = await _client.SendAsync(request);
        var result = await GrpcTestClient.ReadAsync(response, BytesValue.Parser);

        Assert.Equal(GrpcStatusCode.Internal, result.Status);
    }

    [Fact]
    public async Task Truncated_message_is_internal()
    {
        var framed = GrpcTestClient.Frame(new BytesValue { Value = ByteString.CopyFromUtf8("hello") });
        using var request = GrpcTestClient.CreateRequest(TestService.Echo, framed[..^2]);
        using var response = await _client.SendAsync(request);
        var result = await GrpcTestClient.ReadAsync(response, BytesValue.Parser);

        Assert.Equal(GrpcStatusCode.Internal, result.Status);
        Assert.Equal("Incomplete request message.", result.Detail);
    }

    [Fact]
    public async Task Two_messages_on_a_unary_call_are_internal()
    {
        var framed = GrpcTestClient.Frame(new BytesValue());
        using var request = GrpcTestClient.CreateRequest(TestService.Echo, [.. framed, .. framed]);
        using var response = await _client.SendAsync(request);
        var result = await GrpcTestClient.ReadAsync(response, BytesValue.Parser);

        Assert.Equal(GrpcStatusCode.Internal, result.Status);
    }

    [Fact]
    public async Task Wrong_content_type_is_http_415()
    {
        using var request = GrpcTestClient.CreateRequest(TestService.Echo, GrpcTestClient.Frame(new BytesValue()), "application/json");
        using var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task Get_is_http_405()
    {
        using var request = GrpcTestClient.CreateRequest(TestService.Echo, []);
        request.Method = HttpMethod.Get;
        request.Content = null;
        using var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    [Fact]
    public async Task Deadline_cancels_the_handler_and_returns_deadline_exceeded()
    {
        var result = await _client.CallAsync(TestService.Wait, new Empty(), Empty.Parser, r => r.Headers.Add("grpc-timeout", "200m"));

        Assert.Equal(GrpcStatusCode.DeadlineExceeded, result.Status);
        await _service.WaitCancelled.Task.WaitAsync(GrpcTestClient.Timeout);
    }

    [Fact]
    public async Task Deadline_ends_the_call_even_when_the_handler_ignores_its_token()
    {
        var call = _client.CallAsync(TestService.Ignore, new Empty(), Empty.Parser, r => r.Headers.Add("grpc-timeout", "100000u"));

        var result = await call;
        _service.ReleaseIgnore.SetResult();

        Assert.Equal(GrpcStatusCode.DeadlineExceeded, result.Status);
        Assert.True(result.TrailersOnly);
    }

    [Fact]
    public async Task Client_reset_cancels_the_handler()
    {
        using var cts = new CancellationTokenSource();
        using var request = GrpcTestClient.CreateRequest(TestService.Wait, GrpcTestClient.Frame(new Empty()));
        var send = _client.SendAsync(request, cts.Token);
        await _service.WaitStarted.Task.WaitAsync(GrpcTestClient.Timeout);

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send);
        await _service.WaitCancelled.Task.WaitAsync(GrpcTestClient.Timeout);
    }

    [Fact]
    public async Task Server_streaming_sends_every_message_then_ok()
    {
        var result = await _client.CallAsync(TestService.Count, new Int32Value { Value = 5 }, Int32Value.Parser);

        Assert.Equal(GrpcStatusCode.OK, result.Status);
        Assert.Equal([0, 1, 2, 3, 4], result.Messages.Select(m => m.Value));
    }

    [Fact]
    public async Task Error_after_a_message_travels_in_trailers()
    {
        var result = await _client.CallAsync(TestService.Count, new Int32Value { Value = -1 }, Int32Value.Parser);

        Assert.Equal(GrpcStatusCode.Aborted, result.Status);
        Assert.False(result.TrailersOnly);
        Assert.Equal(-1, result.Messages.Single().Value);
        Assert.Equal("after one message", result.Detail);
    }

    [Fact]
    public async Task Messages_over_kestrels_30_MB_body_limit_pass_when_our_limit_allows_them()
    {
        var service = new TestService();
        var options = new GrpcOptions { MaxReceiveMessageSize = 64 * 1024 * 1024, MaxSendMessageSize = 64 * 1024 * 1024 };
        await using var server = await TestServer.StartAsync(service.CreateRegistry(options));
        using var client = new GrpcTestClient(server.Address);
        var payload = new BytesValue { Value = ByteString.CopyFrom(new byte[36 * 1024 * 1024]) };

        var result = await client.CallAsync(TestService.Echo, payload, BytesValue.Parser);

        Assert.Equal(GrpcStatusCode.OK, result.Status);
        Assert.Equal(payload.Value.Length, result.Messages.Single().Value.Length);
    }
}

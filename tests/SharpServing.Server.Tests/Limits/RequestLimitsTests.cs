using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Grpc.Core;
using SharpServing.Engine.Configuration;
using SharpServing.Server.Hosting;
using SharpServing.Server.Tests.Grpc;
using SharpServing.Server.Tests.Reload;
using SharpServing.Tests.Shared;

namespace SharpServing.Server.Tests.Limits;

/// <summary>The request byte budget, body time limits, connection limit and metrics listener on the real server.</summary>
public sealed class RequestLimitsTests : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private readonly ReloadRepository _repository = new();

    public RequestLimitsTests()
    {
        _repository.WriteScript("add", edit: 0);
        _repository.AddVersion("add", 1);
    }

    public void Dispose() => _repository.Dispose();

    [Fact]
    public async Task A_small_gzip_message_that_inflates_past_the_budget_is_refused_with_RESOURCE_EXHAUSTED()
    {
        var configuration = new ServingConfiguration { ServablesRoot = _repository.Root };
        configuration.Limits.MaxInflightMb = 8;
        await using var server = await ReloadServer.StartAsync(configuration);
        await server.Server.StartGrpcServerAsync(ListenAddress.Tcp(IPAddress.Loopback, 0), 100, CancellationToken.None).WaitAsync(s_timeout);
        using var client = new RawGrpcClient(server.Server.Grpc!.EndPoint);

        // 16 MiB of zeros compress to a few KiB: the length prefix is small, the inflated message is not.
        var big = Wire.AddRequest(Wire.Instance(("x1", Wire.Numeric(Protocol.DataType.MsFloat32, new byte[16 << 20], 2, 2)),
            ("x2", Wire.Filled(1, 2, 2))));
        var framed = RawGrpcClient.Frame(big, gzip: true);
        Assert.True(framed.Length < 1_000_000, $"{framed.Length} bytes");
        var refused = await client.CallAsync(framed, configure: Gzip);
        Assert.Equal(StatusCode.ResourceExhausted, refused.Status);
        Assert.Contains("request bytes in flight would exceed the server's limit of 8388608 bytes", refused.Detail, StringComparison.Ordinal);

        // Within the budget, gzip works, and everything taken was given back.
        var ok = await client.CallAsync(RawGrpcClient.Frame(Wire.AddRequest(Wire.AddInstance(1)), gzip: true), configure: Gzip);
        Assert.Equal(StatusCode.OK, ok.Status);
        Assert.Empty(ok.Reply().ErrorMsg);
        Assert.Equal(0, server.Server.RequestBudget.InFlight);
    }

    [Fact]
    public async Task A_gzip_message_that_inflates_past_the_message_limit_is_refused()
    {
        await using var server = await ReloadServer.StartAsync(new ServingConfiguration { ServablesRoot = _repository.Root });
        await server.Server.StartGrpcServerAsync(ListenAddress.Tcp(IPAddress.Loopback, 0), 1, CancellationToken.None).WaitAsync(s_timeout);
        using var client = new RawGrpcClient(server.Server.Grpc!.EndPoint);

        var big = Wire.AddRequest(Wire.Instance(("x1", Wire.Numeric(Protocol.DataType.MsFloat32, new byte[4 << 20], 2, 2))));
        var refused = await client.CallAsync(RawGrpcClient.Frame(big, gzip: true), configure: Gzip);
        Assert.Equal(StatusCode.ResourceExhausted, refused.Status);
        Assert.Equal(0, server.Server.RequestBudget.InFlight);
    }

    [Fact]
    public async Task A_RESTful_body_over_the_budget_is_refused_with_the_error_text_declared_or_chunked()
    {
        var configuration = new ServingConfiguration { ServablesRoot = _repository.Root };
        configuration.Limits.MaxInflightMb = 1;
        await using var server = await ReloadServer.StartAsync(configuration);
        var body = "{\"instances\":[{\"x1\":\"" + new string('A', 1_500_000) + "\"}]}";

        using (var declared = await server.Client.PostAsync("/model/add:add_common", new StringContent(body, Encoding.UTF8, "application/json")).WaitAsync(s_timeout))
        {
            Assert.StartsWith("{\"error_msg\":\"Serving Error: request bytes in flight would exceed the server's limit of 1048576 bytes",
                await declared.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(body)));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/model/add:add_common") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        using (var response = await server.Client.SendAsync(request).WaitAsync(s_timeout))
        {
            Assert.Contains("request bytes in flight would exceed", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.Null((await server.PredictAsync("add")).Error);
        Assert.Equal(0, server.Server.RequestBudget.InFlight);
    }

    [Fact]
    public async Task The_V2_repository_index_body_is_charged_to_the_server_budget()
    {
        const string token = "index-budget-token";
        var tokenFile = Path.Combine(_repository.Root, ".token");
        await File.WriteAllTextAsync(tokenFile, token);
        var configuration = new ServingConfiguration { ServablesRoot = _repository.Root };
        configuration.Limits.MaxInflightMb = 1;
        configuration.Admin.Address = AdminConfiguration.Public;
        configuration.Admin.TokenFile = tokenFile;
        await using var server = await ReloadServer.StartAsync(configuration);

        // A body that stalls holds its declared length (twice: buffer and parse) of the 1 MiB budget: 1,000,000 bytes.
        using (var socket = new TcpClient())
        {
            await socket.ConnectAsync(IPAddress.Loopback, server.Server.Rest!.Port).WaitAsync(s_timeout);
            await socket.GetStream().WriteAsync(Encoding.ASCII.GetBytes(
                "POST /model/add:add_common HTTP/1.1\r\nHost: localhost\r\nContent-Length: 500000\r\n\r\n{\"inst"));
            await UntilAsync(() => server.Server.RequestBudget.InFlight == 1_000_000, "the stalled body is charged");

            // An index body of 40 KB no longer fits.
            using var refused = await IndexAsync(server, token).WaitAsync(s_timeout);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Contains("request bytes in flight would exceed the server's limit of 1048576 bytes", await refused.Content.ReadAsStringAsync(),
                StringComparison.Ordinal);
        }

        // The stalled request gone, it fits again, and everything taken was given back.
        await UntilAsync(() => server.Server.RequestBudget.InFlight == 0, "the stalled body's charge is given back");
        using var indexed = await IndexAsync(server, token).WaitAsync(s_timeout);
        Assert.Equal(HttpStatusCode.OK, indexed.StatusCode);
        Assert.Contains("\"name\":\"add.add_common\"", await indexed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, server.Server.RequestBudget.InFlight);
    }

    private static Task<HttpResponseMessage> IndexAsync(ReloadServer server, string token)
    {
        var body = "{\"ready\":true,\"pad\":\"" + new string('A', 40_000) + "\"}";
        var request = new HttpRequestMessage(HttpMethod.Post, "/v2/repository/index") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return server.Client.SendAsync(request);
    }

    private static async Task UntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + s_timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting until {what}.");
            }
            await Task.Delay(10);
        }
    }

    /// <summary>A server of the test repository with the given request body timeout and a gRPC listener on a free port.</summary>
    private async Task<ReloadServer> StartGrpcAsync(TimeSpan bodyTimeout)
    {
        var configuration = new ServingConfiguration { ServablesRoot = _repository.Root };
        configuration.Limits.RequestBodyTimeout = bodyTimeout;
        var server = await ReloadServer.StartAsync(configuration);
        try
        {
            await server.Server.StartGrpcServerAsync(ListenAddress.Tcp(IPAddress.Loopback, 0), 100, CancellationToken.None).WaitAsync(s_timeout);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>A Predict call whose body is what the test writes to <paramref name="body"/>, when it writes it.</summary>
    private static HttpRequestMessage StreamedPredict(Pipe body)
    {
        var request = RawGrpcClient.CreateRequest(RawGrpcClient.PredictPath, []);
        request.Content = new FlushedPipeContent(body.Reader);
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/grpc");
        return request;
    }

    /// <summary>
    /// A request body sent piece by piece as the test writes it, each piece flushed to the connection. HttpClient's HTTP/2
    /// connection does not flush the headers and data of a request whose body is still open unless asked: a stalled body
    /// copied by <see cref="StreamContent"/> could stay in the client's send buffer, and the server never see the call.
    /// </summary>
    private sealed class FlushedPipeContent(PipeReader reader) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            while (true)
            {
                var result = await reader.ReadAsync();
                foreach (var segment in result.Buffer)
                {
                    await stream.WriteAsync(segment);
                }
                await stream.FlushAsync();
                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    return;
                }
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    [Fact]
    public async Task A_gRPC_message_that_arrives_in_pieces_is_awaited_and_answered_each_time()
    {
        await using var server = await StartGrpcAsync(bodyTimeout: TimeSpan.FromSeconds(3));
        using var client = new RawGrpcClient(server.Server.Grpc!.EndPoint);
        var frame = RawGrpcClient.Frame(Wire.AddRequest(Wire.AddInstance(1)));

        // Each call waits for its message (the body time limit starts). The calls together last longer than one limit
        // (about 0.7 s each), so a finished wait's limit handed out again still running would fire on a later call.
        for (var call = 0; call < 6; call++)
        {
            var pieces = new Pipe();
            await pieces.Writer.WriteAsync(frame.AsMemory(0, 7));
            using var request = StreamedPredict(pieces);
            var sent = client.SendAsync(request);
            await Task.Delay(TimeSpan.FromMilliseconds(300));
            await pieces.Writer.WriteAsync(frame.AsMemory(7));
            await pieces.Writer.CompleteAsync();
            using var response = await sent.WaitAsync(s_timeout);
            var result = await RawGrpcClient.ReadAsync(response).WaitAsync(s_timeout);
            Assert.Equal(StatusCode.OK, result.Status);
        }
        Assert.Equal(0, server.Server.RequestBudget.InFlight);
    }

    [Fact]
    public async Task A_gRPC_body_that_stalls_after_its_length_prefix_is_reset_and_the_server_keeps_serving()
    {
        await using var server = await StartGrpcAsync(bodyTimeout: TimeSpan.FromSeconds(1));
        using var client = new RawGrpcClient(server.Server.Grpc!.EndPoint);

        var stalled = new Pipe();
        await stalled.Writer.WriteAsync(new byte[] { 0, 0, 0, 0x10, 0 }); // announces 4096 bytes, sends none
        using var request = StreamedPredict(stalled);
        var ended = await Record.ExceptionAsync(async () =>
        {
            using var response = await client.SendAsync(request);
            var result = await RawGrpcClient.ReadAsync(response);
            Assert.NotEqual(StatusCode.OK, result.Status);
        }).WaitAsync(s_timeout);
        // The server resets the stream: the client sees its call fail (its body upload is cancelled, or the reply says so).
        Assert.True(ended is null or HttpRequestException or IOException or OperationCanceledException, ended?.ToString());
        Assert.IsNotType<TimeoutException>(ended);
        await stalled.Writer.CompleteAsync();

        var ok = await client.CallAsync(RawGrpcClient.Frame(Wire.AddRequest(Wire.AddInstance(1))));
        Assert.Equal(StatusCode.OK, ok.Status);
        Assert.Equal(0, server.Server.RequestBudget.InFlight);
    }

    [Fact]
    public async Task A_RESTful_body_that_stalls_is_closed_and_the_server_keeps_serving()
    {
        var configuration = new ServingConfiguration { ServablesRoot = _repository.Root };
        configuration.Limits.RequestBodyTimeout = TimeSpan.FromSeconds(1);
        await using var server = await ReloadServer.StartAsync(configuration);

        using var socket = new TcpClient();
        await socket.ConnectAsync(IPAddress.Loopback, server.Server.Rest!.Port).WaitAsync(s_timeout);
        var stream = socket.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("POST /model/add:add_common HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000\r\n\r\n{\"inst"));
        var buffer = new byte[4096];
        var closed = await Record.ExceptionAsync(async () =>
        {
            while (await stream.ReadAsync(buffer).AsTask().WaitAsync(s_timeout) > 0)
            {
            }
        });
        Assert.True(closed is null or IOException, closed?.ToString());
        Assert.Null((await server.PredictAsync("add")).Error);
        Assert.Equal(0, server.Server.RequestBudget.InFlight);
    }

    [Fact]
    public async Task Connections_over_the_limit_are_closed_and_the_others_keep_serving()
    {
        var configuration = new ServingConfiguration { ServablesRoot = _repository.Root };
        configuration.Limits.MaxConnections = 2;
        await using var server = await ReloadServer.StartAsync(configuration);
        var port = server.Server.Rest!.Port;
        using var first = new TcpClient();
        using var second = new TcpClient();
        await first.ConnectAsync(IPAddress.Loopback, port).WaitAsync(s_timeout);
        await second.ConnectAsync(IPAddress.Loopback, port).WaitAsync(s_timeout);
        Assert.StartsWith("HTTP/1.1 200", await GetAsync(first), StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 200", await GetAsync(second), StringComparison.Ordinal);

        using var third = new TcpClient();
        await third.ConnectAsync(IPAddress.Loopback, port).WaitAsync(s_timeout);
        var answer = await Record.ExceptionAsync(async () => Assert.Equal("", await GetAsync(third)));
        Assert.True(answer is null or IOException, answer?.ToString());

        Assert.StartsWith("HTTP/1.1 200", await GetAsync(first), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_metrics_listener_of_its_own_serves_metrics_with_the_service_name_and_the_RESTful_listener_does_not()
    {
        var configuration = new ServingConfiguration { ServablesRoot = _repository.Root, MetricsAddress = $"127.0.0.1:{FreePort.Next()}" };
        await using var server = await ReloadServer.StartAsync(configuration);
        Assert.Null((await server.PredictAsync("add")).Error);
        using var metrics = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.Server.Metrics!.Port}"), Timeout = s_timeout };

        var text = await metrics.GetStringAsync("/metrics").WaitAsync(s_timeout);
        Assert.Contains("sharpserving_request", text, StringComparison.Ordinal);
        Assert.Contains("service_name=\"sharpserving\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("unknown_service", text, StringComparison.Ordinal);
        using var onAdmin = await server.AdminClient.GetAsync("/metrics").WaitAsync(s_timeout);
        Assert.Equal(HttpStatusCode.NotFound, onAdmin.StatusCode);
        using var onRest = await server.Client.GetAsync("/metrics").WaitAsync(s_timeout);
        Assert.Equal("""{"error_msg":"http message only support POST right now"}""", await onRest.Content.ReadAsStringAsync());
    }

    private static void Gzip(HttpRequestMessage request) => request.Headers.TryAddWithoutValidation("grpc-encoding", "gzip");

    /// <summary>A keep-alive request to the MindSpore path on a raw connection; the head of the answer, or "" once closed.</summary>
    private static async Task<string> GetAsync(TcpClient client)
    {
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /model/add:add_common HTTP/1.1\r\nHost: localhost\r\n\r\n")).AsTask().WaitAsync(s_timeout);
        // One whole response: the answer may arrive in several segments (the chunked body's last chunk on its own).
        var buffer = new byte[4096];
        var text = new StringBuilder();
        while (!IsComplete(text.ToString()))
        {
            var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(s_timeout);
            if (read == 0)
            {
                break;
            }
            text.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
        return text.ToString();
    }

    private static bool IsComplete(string response)
    {
        var end = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0)
        {
            return false;
        }
        var match = System.Text.RegularExpressions.Regex.Match(response[..end], @"(?im)^content-length:\s*(\d+)");
        return match.Success
            ? response.Length - end - 4 >= int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)
            : response.EndsWith("0\r\n\r\n", StringComparison.Ordinal);
    }
}

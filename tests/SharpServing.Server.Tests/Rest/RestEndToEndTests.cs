using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using SharpServing.Engine;

namespace SharpServing.Server.Tests.Rest;

/// <summary>The RESTful front end over loopback HTTP/1.1 (specification 6 and 10.25–31); HTTP/2 over TLS is in RestTlsTests.</summary>
public sealed class RestEndToEndTests(RestServerFixture server) : IClassFixture<RestServerFixture>
{
    private const string Example = "{\"instances\":{\"x1\":[[1.0,1.0],[1.0,1.0]],\"x2\":[[1.0,1.0],[1.0,1.0]]}}";
    private const string ExampleReply = "{\"instances\":[{\"y\":[[2.0,2.0],[2.0,2.0]]}]}";

    private async Task<string> PostAsync(string path, string body)
    {
        var response = await server.SendAsync(path, body);
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("application/json", response.ContentType);
        Assert.Equal(HttpVersion.Version11, response.Version);
        Assert.Equal("Client", response.ReasonPhrase);
        return response.Body;
    }

    private static readonly JsonSerializerOptions s_json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string ErrorMsg(string text) => JsonSerializer.Serialize(new { error_msg = text }, s_json);

    [Fact]
    public async Task Example_Section66_AddsTheTensors()
    {
        Assert.Equal(ExampleReply, await PostAsync("/model/add:add_common", Example));
    }

    [Fact]
    public async Task Versions_InTheUrl()
    {
        Assert.Equal(ExampleReply, await PostAsync("/model/add/version/1:add_common", Example));
        Assert.Equal(ExampleReply, await PostAsync("/version/1/model/add:add_common", Example));
        Assert.Equal(ExampleReply, await PostAsync("/model/add:add_common?trace=1&x=/model/y", Example));
        Assert.Equal(ErrorMsg("Request servable(add) method(add_common)  version(2) , servable is not available"),
            await PostAsync("/model/add/version/2:add_common", Example));
        Assert.Equal(ErrorMsg("please check url, version number range failed, request version number -1"),
            await PostAsync("/version/-1/model/add:add_common", Example));
        Assert.Equal(ErrorMsg("please check url, the keyword:[version] value invalid, request version number abc"),
            await PostAsync("/version/abc/model/add:add_common", Example));
        Assert.Equal(ErrorMsg("Request servable(add) method(bad) , method is not available"), await PostAsync("/model/add:bad", Example));
        Assert.Equal(ErrorMsg("Request servable(add_x) method(add_common) , servable is not available"),
            await PostAsync("/model/add_x:add_common", Example));
    }

    [Fact]
    public async Task UrlAndMethodErrors_AreHttp200()
    {
        Assert.Equal(ErrorMsg("please check url, the keyword:[model] must contain."), await PostAsync("/x/:add_common", Example));
        Assert.Equal(ErrorMsg("please check url, the keyword:[service method] must contain."), await PostAsync("/model/add", Example));
        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Put, HttpMethod.Delete, HttpMethod.Patch, HttpMethod.Options })
        {
            var response = await server.SendAsync("/model/add:add_common", method == HttpMethod.Get ? null : Example, method: method);
            Assert.Equal(HttpStatusCode.OK, response.Status);
            Assert.Equal("application/json", response.ContentType);
            Assert.Equal(ErrorMsg("http message only support POST right now"), response.Body);
        }
    }

    [Fact]
    public async Task CleartextHttp2_IsRefused_AsMindSporesServerRefusesIt()
    {
        // HTTP/2 comes with TLS (ALPN); a cleartext connection that opens with the HTTP/2 preface gets no HTTP/2.
        await Assert.ThrowsAsync<HttpRequestException>(() => server.SendAsync("/model/add:add_common", Example, http2: true));

        Assert.Equal(ExampleReply, await PostAsync("/model/add:add_common", Example));
    }

    [Fact]
    public async Task Head_IsAnsweredWithoutABody()
    {
        var response = await server.SendAsync("/model/add:add_common", null, method: HttpMethod.Head);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("Client", response.ReasonPhrase);
        Assert.Equal("", response.Body);
        Assert.Equal(ExampleReply, await PostAsync("/model/add:add_common", Example));
    }

    [Fact]
    public async Task BodyErrors()
    {
        Assert.Equal(ErrorMsg("http message invalid"), await PostAsync("/model/add:add_common", ""));
        var binary = await PostAsync("/model/add:add_common", "\u0001\u0002binary\u00ff");
        Assert.StartsWith("{\"error_msg\":\"Illegal JSON format.", binary);
        Assert.StartsWith("Illegal JSON format.", JsonDocument.Parse(binary).RootElement.GetProperty("error_msg").GetString());
    }

    [Fact]
    public async Task CheckOrder_MethodThenBodyThenUrlThenJson()
    {
        var get = await server.SendAsync("/x", null, method: HttpMethod.Get);
        Assert.Equal(ErrorMsg("http message only support POST right now"), get.Body);
        Assert.Equal(ErrorMsg("http message invalid"), await PostAsync("/x", ""));
        Assert.StartsWith("{\"error_msg\":\"Illegal JSON format.", await PostAsync("/x", "{"));
        Assert.Equal(ErrorMsg("please check url, the keyword:[model] must contain."), await PostAsync("/x", "{\"instances\":[]}"));
        Assert.Equal(ErrorMsg("Parser request failed, instances value is array type, but no value"),
            await PostAsync("/model/add:add_common", "{\"instances\":[]}"));
    }

    [Theory]
    [InlineData("{\"instances\":[]}", "Parser request failed, instances value is array type, but no value")]
    [InlineData("{\"instances\":{\"x1\":[[1.1,1]]}}", "Parser request failed, json array, elements type is not equal")]
    [InlineData("{\"instances\":{\"x1\":[[false,true],[true]]}}", "Parser request failed, invalid json array: json size is 1, the dim 1 expected to be 2")]
    [InlineData("{\"instances\":{\"x1\":[\"a\",\"b\"]}}", "Parser request failed, json array, string or bytes type only support one item")]
    [InlineData("{\"instances\":{\"x1\":{\"b64\":\"AQAAAAIAAAA=\",\"type\":\"dtype_unknow\",\"shape\":[2]}}}", "Parser request failed, json object, specified type:'dtype_unknow' is illegal")]
    [InlineData("{\"instances\":{\"x1\":{\"b64\":\"\",\"type\":\"fp16\",\"shape\":[1,1]}}}", "Parser request failed, size is not matched, decode base64 size:0; Given info: type:float16; type size:2; element nums:1")]
    [InlineData("{\"instance\":{\"x1\":1}}", "Parser request failed, key 'instances' expects to exist once, but actually 0 times")]
    [InlineData("{\"instances\":{\"x1\":[[\"abc\"]],\"x2\":1.0}}", "Instances input x1 check failed, detail: Instance tensor check failed: bytes or string type input  shape can only be (1,) or empty, but given shape is [1, 1]")]
    [InlineData("{\"instances\":{\"x3\":1.0,\"x2\":1.0}}", "Cannot find input x1 in instance input , servable add, method add_common")]
    public async Task RequestErrors_Section10Items29And30(string body, string expected)
    {
        Assert.Equal(ErrorMsg(expected), await PostAsync("/model/add:add_common", body));
    }

    [Fact]
    public async Task Instances_PartialFailure_And_Collapse()
    {
        const string body = "{\"instances\":[{\"x1\":[1.0,2.0],\"x2\":[3.0,4.0]},{\"x1\":[1.0,2.0],\"x2\":[1.0]},{\"x1\":1.5,\"x2\":2.25,\"x3\":\"ignored\"}]}";
        Assert.Equal("{\"instances\":[{\"y\":[4.0,6.0]},{\"error_msg\":\"Given model input 1 size 4 not match the size 8 defined in model\"},{\"y\":3.75}]}",
            await PostAsync("/model/add:add_common", body));

        const string allBad = "{\"instances\":[{\"x1\":[1.0,2.0],\"x2\":[1.0]},{\"x1\":[1.0,2.0],\"x2\":[1.0]}]}";
        Assert.Equal(ErrorMsg("Given model input 1 size 4 not match the size 8 defined in model"), await PostAsync("/model/add:add_common", allBad));
    }

    [Fact]
    public async Task ValueTyping_ReachesThePredictor()
    {
        var reply = await PostAsync("/model/echo:m",
            "{\"instances\":{\"i\":5,\"f\":3.2,\"b\":true,\"s\":\"héllo\",\"a\":[[1,2],[3,4]],\"bytes\":{\"b64\":\"QUJD\"},\"big\":4294967301}}");

        var inputs = Assert.Single(server.Predictor.LastRequest!.Instances);
        Assert.Equal(("echo", "m", 0UL), (server.Predictor.LastRequest.Servable, server.Predictor.LastRequest.Method, server.Predictor.LastRequest.Version));
        Assert.Equal(Tensor.Scalar(5), inputs["i"].Tensor);
        Assert.Equal(Tensor.Scalar(3.2f), inputs["f"].Tensor);
        Assert.Equal(Tensor.Scalar(true), inputs["b"].Tensor);
        Assert.Equal(Tensor.FromString("héllo"), inputs["s"].Tensor);
        Assert.Equal(Tensor.Create(new[] { 1, 2, 3, 4 }, 2, 2), inputs["a"].Tensor);
        Assert.Equal(Tensor.FromBytes("ABC"u8.ToArray()), inputs["bytes"].Tensor);
        Assert.Equal(Tensor.Scalar(5), inputs["big"].Tensor);
        Assert.Equal("{\"instances\":[{\"i\":5,\"f\":3.200000047683716,\"b\":true,\"s\":\"héllo\",\"a\":[[1,2],[3,4]],\"bytes\":{\"b64\":\"QUJD\"},\"big\":5}]}", reply);
    }

    [Fact]
    public async Task B64Objects_Section10Item30_RoundTrip()
    {
        Assert.Equal("{\"instances\":[{\"x\":[1,2]}]}", await PostAsync("/model/echo:m", "{\"instances\":{\"x\":{\"b64\":\"AQAAAAIAAAA=\",\"type\":\"int32\",\"shape\":[2]}}}"));
        Assert.Equal(Tensor.Create(new[] { 1, 2 }, 2), server.Predictor.LastRequest!.Instances[0]["x"].Tensor);
        Assert.Equal("{\"instances\":[{\"x\":[1.5,2.0]}]}", await PostAsync("/model/echo:m", "{\"instances\":{\"x\":{\"b64\":\"AD4AQA==\",\"type\":\"fp16\",\"shape\":[2]}}}"));
        Assert.Equal(DataType.Float16, server.Predictor.LastRequest!.Instances[0]["x"].Tensor!.DataType);
        Assert.Equal("{\"instances\":[{\"x\":{\"b64\":\"QUJD\"}}]}", await PostAsync("/model/echo:m", "{\"instances\":{\"x\":{\"b64\":\"QUJD\"}}}"));
        Assert.Equal(Tensor.FromBytes("ABC"u8.ToArray()), server.Predictor.LastRequest!.Instances[0]["x"].Tensor);
    }

    public static TheoryData<string, string> EveryDtype => new()
    {
        { "int8", "[-128,127,0]" }, { "uint8", "[0,255,7]" }, { "int16", "[-32768,32767,-1]" }, { "uint16", "[0,65535,1]" },
        { "int32", "[-2147483648,2147483647,3]" }, { "uint32", "[0,4294967295,9]" },
        { "int64", "[-9223372036854775808,9223372036854775807,-5]" }, { "uint64", "[0,18446744073709551615,11]" },
        { "fp16", "[1.5,-2.0,65504.0]" }, { "fp32", "[3.200000047683716,-0.0,null]" }, { "fp64", "[0.1,1e+300,-2.5]" },
        { "bool", "[true,false,true]" },
    };

    [Theory]
    [MemberData(nameof(EveryDtype))]
    public async Task B64_EveryDtype_RoundTrips(string type, string rendered)
    {
        var values = JsonDocument.Parse(rendered).RootElement.EnumerateArray().ToArray();
        var tensor = type switch
        {
            "int8" => Tensor.Create(values.Select(v => v.GetSByte()).ToArray(), 3),
            "uint8" => Tensor.Create(values.Select(v => v.GetByte()).ToArray(), 3),
            "int16" => Tensor.Create(values.Select(v => v.GetInt16()).ToArray(), 3),
            "uint16" => Tensor.Create(values.Select(v => v.GetUInt16()).ToArray(), 3),
            "int32" => Tensor.Create(values.Select(v => v.GetInt32()).ToArray(), 3),
            "uint32" => Tensor.Create(values.Select(v => v.GetUInt32()).ToArray(), 3),
            "int64" => Tensor.Create(values.Select(v => v.GetInt64()).ToArray(), 3),
            "uint64" => Tensor.Create(values.Select(v => v.GetUInt64()).ToArray(), 3),
            "fp16" => Tensor.Create(values.Select(v => (Half)v.GetDouble()).ToArray(), 3),
            "fp32" => Tensor.Create(values.Select(v => v.ValueKind == JsonValueKind.Null ? float.NaN : (float)v.GetDouble()).ToArray(), 3),
            "fp64" => Tensor.Create(values.Select(v => v.GetDouble()).ToArray(), 3),
            _ => Tensor.Create(values.Select(v => v.GetBoolean()).ToArray(), 3),
        };
        var b64 = Convert.ToBase64String(tensor.Data.Span);

        var reply = await PostAsync("/model/echo:m", $"{{\"instances\":[{{\"x\":{{\"b64\":\"{b64}\",\"type\":\"{type}\",\"shape\":[3]}}}}]}}");

        Assert.Equal(tensor, server.Predictor.LastRequest!.Instances[0]["x"].Tensor);
        Assert.Equal($"{{\"instances\":[{{\"x\":{rendered}}}]}}", reply);
    }

    [Theory]
    [InlineData("str", "\"ABC\"")]
    [InlineData("bytes", "{\"b64\":\"QUJD\"}")]
    public async Task B64_StringAndBytes_RoundTrip(string type, string rendered)
    {
        Assert.Equal($"{{\"instances\":[{{\"x\":{rendered}}}]}}",
            await PostAsync("/model/echo:m", $"{{\"instances\":{{\"x\":{{\"b64\":\"QUJD\",\"type\":\"{type}\"}}}}}}"));
        Assert.Equal($"{{\"instances\":[{{\"x\":[{rendered}]}}]}}",
            await PostAsync("/model/echo:m", $"{{\"instances\":{{\"x\":{{\"b64\":\"QUJD\",\"type\":\"{type}\",\"shape\":[1]}}}}}}"));
    }

    [Fact]
    public async Task Replies_Section10Item31()
    {
        server.Predictor.NextReply = InferReply.Create([InstanceResult.Success([
            KeyValuePair.Create("bytes", Tensor.FromBytes(new byte[] { 1, 2, 250 })),
            KeyValuePair.Create("f", Tensor.Scalar(3.2f)),
            KeyValuePair.Create("s", Tensor.FromString("ABC123")),
            KeyValuePair.Create("l", Tensor.Scalar(3L)),
        ])]);

        Assert.Equal("{\"instances\":[{\"bytes\":{\"b64\":\"AQL6\"},\"f\":3.200000047683716,\"s\":\"ABC123\",\"l\":3}]}",
            await PostAsync("/model/reply:m", "{\"instances\":{\"x\":1}}"));
    }

    [Fact]
    public async Task PredictorException_IsReported_AndTheServerKeepsServing()
    {
        Assert.Equal(ErrorMsg("Predict failed, boom"), await PostAsync("/model/throw:m", "{\"instances\":{\"x\":1}}"));
        Assert.Equal(ExampleReply, await PostAsync("/model/add:add_common", Example));
    }

    [Fact]
    public async Task ClientGoingAway_CancelsThePrediction()
    {
        using var cancel = new CancellationTokenSource();
        using var request = new HttpRequestMessage(HttpMethod.Post, server.BaseAddress + "/model/slow:m")
        {
            Content = new StringContent("{\"instances\":{\"x\":1}}"),
        };
        var call = server.Client.SendAsync(request, cancel.Token);

        await server.Predictor.SlowStarted.Task.WaitAsync(RestServerFixture.Timeout);
        await cancel.CancelAsync();

        await server.Predictor.SlowCancelled.Task.WaitAsync(RestServerFixture.Timeout);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(RestServerFixture.Timeout));
    }

    private const string Twos = "{\"instances\":{\"x1\":[[2.0,2.0],[2.0,2.0]],\"x2\":[[1.0,1.0],[1.0,1.0]]}}";
    private const string TwosReply = "{\"instances\":[{\"y\":[[3.0,3.0],[3.0,3.0]]}]}";

    private static string RawRequest(string body, bool chunked, bool close)
    {
        var framing = chunked
            ? $"Transfer-Encoding: chunked\r\n\r\n{Encoding.UTF8.GetByteCount(body):x}\r\n{body}\r\n0\r\n\r\n"
            : $"Content-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}";
        return $"POST /model/add:add_common HTTP/1.1\r\nHost: x\r\n{(close ? "Connection: close\r\n" : "")}{framing}";
    }

    /// <summary>The bodies of the HTTP/1.1 responses in <paramref name="raw"/>, in order (Content-Length or chunked).</summary>
    private static List<string> ResponseBodies(string raw)
    {
        var bodies = new List<string>();
        while (raw.Length > 0)
        {
            var parts = raw.Split("\r\n\r\n", 2);
            var lines = parts[0].Split("\r\n");
            Assert.Equal("HTTP/1.1 200 Client", lines[0]);
            var length = lines.FirstOrDefault(l => l.StartsWith("Content-Length: ", StringComparison.OrdinalIgnoreCase));
            var rest = parts[1];
            if (length is not null)
            {
                var size = int.Parse(length["Content-Length: ".Length..], System.Globalization.CultureInfo.InvariantCulture);
                bodies.Add(rest[..size]);
                raw = rest[size..];
                continue;
            }
            var body = new StringBuilder();
            while (true)
            {
                var lineEnd = rest.IndexOf("\r\n", StringComparison.Ordinal);
                var size = int.Parse(rest[..lineEnd], System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
                rest = rest[(lineEnd + 2)..];
                if (size == 0)
                {
                    rest = rest[2..];
                    break;
                }
                body.Append(rest.AsSpan(0, size));
                rest = rest[(size + 2)..];
            }
            bodies.Add(body.ToString());
            raw = rest;
        }
        return bodies;
    }

    private async Task<List<string>> ExchangeAsync(params (string Text, int PauseMs)[] writes)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, server.Port).WaitAsync(RestServerFixture.Timeout);
        var stream = tcp.GetStream();
        foreach (var (text, pause) in writes)
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(text)).AsTask().WaitAsync(RestServerFixture.Timeout);
            await stream.FlushAsync();
            await Task.Delay(pause);
        }
        using var reader = new StreamReader(stream);
        return ResponseBodies(await reader.ReadToEndAsync().WaitAsync(RestServerFixture.Timeout));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RawHttp11_PipelinedRequestsInOneWrite_AreEachAnsweredFromTheirOwnBody(bool chunked)
    {
        // Both bodies arrive with the first request's head: each must take exactly its own bytes.
        var bodies = await ExchangeAsync((RawRequest(Example, chunked, close: false) + RawRequest(Twos, chunked, close: true), 0));

        Assert.Equal([ExampleReply, TwosReply], bodies);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RawHttp11_ABodyThatArrivesInPieces_IsReadWhole(bool chunked)
    {
        // The head and part of the body first; the rest after a pause: the body is awaited, not taken half.
        var request = RawRequest(Example, chunked, close: true);
        var cut = request.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4 + 10;
        var bodies = await ExchangeAsync((request[..cut], 200), (request[cut..], 0));

        Assert.Equal([ExampleReply], bodies);
    }

    [Fact]
    public async Task RawHttp11_StatusLineAndHeaders()
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, server.Port).WaitAsync(RestServerFixture.Timeout);
        var stream = tcp.GetStream();
        var body = Encoding.UTF8.GetBytes(Example);
        var head = $"POST /model/add:add_common HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head).Concat(body).ToArray()).AsTask().WaitAsync(RestServerFixture.Timeout);

        using var reader = new StreamReader(stream);
        var response = await reader.ReadToEndAsync().WaitAsync(RestServerFixture.Timeout);

        var parts = response.Split("\r\n\r\n", 2);
        var lines = parts[0].Split("\r\n");
        Assert.Equal("HTTP/1.1 200 Client", lines[0]);
        Assert.Contains("Content-Type: application/json", lines);
        var chunked = lines.Contains("Transfer-Encoding: chunked");
        Assert.Equal(ExampleReply, chunked ? Unchunk(parts[1]) : parts[1]);
    }

    private static string Unchunk(string body)
    {
        // Kestrel may chunk the reply: "<hex>\r\n<data>\r\n" … "0\r\n\r\n".
        var result = new StringBuilder();
        var rest = body;
        while (rest.Length > 0)
        {
            var lineEnd = rest.IndexOf("\r\n", StringComparison.Ordinal);
            if (lineEnd < 0 || !int.TryParse(rest[..lineEnd], System.Globalization.NumberStyles.HexNumber, null, out var size))
            {
                return body;
            }
            if (size == 0)
            {
                break;
            }
            result.Append(rest.AsSpan(lineEnd + 2, size));
            rest = rest[(lineEnd + 2 + size + 2)..];
        }
        return result.ToString();
    }
}

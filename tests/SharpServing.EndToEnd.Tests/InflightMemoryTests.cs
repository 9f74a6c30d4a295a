using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using SharpServing.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SharpServing.EndToEnd.Tests;

/// <summary>
/// The request byte budget on the real server process: 32 concurrent gzip requests of ~100 KB that each inflate to 99
/// MiB keep the process's resident memory within the budget over its baseline; the refused ones get RESOURCE_EXHAUSTED;
/// the server keeps answering.
/// </summary>
public sealed class InflightMemoryTests(ITestOutputHelper output)
{
    private const int BudgetMb = 512;
    private const int Requests = 32;
    private const int InflatedBytes = 99 << 20;
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Thirty_two_inflating_gzip_requests_stay_within_the_budget_and_the_server_keeps_answering()
    {
        await using var server = await ServerProcess.ServeAsync(["--servables", RepoPaths.Servables, "--servable", "add", "--no-watch",
            "--max-inflight-mb", BudgetMb.ToString(CultureInfo.InvariantCulture)]);
        using var http = new HttpClient(new SocketsHttpHandler { EnableMultipleHttp2Connections = true })
        {
            BaseAddress = new Uri($"http://{server.GrpcAddress}"),
            Timeout = s_timeout,
        };
        var body = Frame(GzipPredictRequest(InflatedBytes));
        Assert.True(body.Length < 200_000, $"the compressed request is {body.Length} bytes");
        var small = Frame(GzipPredictRequest(16));

        // Baseline: the server after it has answered gzip requests of every kind once.
        Assert.Equal("0", await CallAsync(http, small));
        var baseline = ResidentBytes(server.Pid);

        using var sampling = new CancellationTokenSource();
        long peak = 0;
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, ResidentBytes(server.Pid));
                await Task.Delay(10, CancellationToken.None);
            }
        });
        var statuses = await Task.WhenAll(Enumerable.Range(0, Requests).Select(_ => CallAsync(http, body))).WaitAsync(s_timeout);
        await sampling.CancelAsync();
        await sampler.WaitAsync(s_timeout);
        peak = Math.Max(peak, ResidentBytes(server.Pid));

        var answered = statuses.Count(s => s == "0");
        var refused = statuses.Count(s => s == "8");
        output.WriteLine($"baseline {baseline >> 20} MiB, peak {peak >> 20} MiB, answered {answered}, refused {refused}");
        Assert.Equal(Requests, answered + refused);
        Assert.True(refused > 0, "some requests should not fit the budget");
        Assert.True(answered > 0, "the budget holds at least one inflated request");
        Assert.True(peak - baseline < (long)BudgetMb << 20,
            $"resident memory rose by {(peak - baseline) >> 20} MiB over the baseline of {baseline >> 20} MiB; the budget is {BudgetMb} MiB");

        // The server keeps answering, and the load is gone from its memory once the requests end.
        Assert.Equal("0", await CallAsync(http, small));
        var after = ResidentBytes(server.Pid);
        output.WriteLine($"after the load: {after >> 20} MiB");
        Assert.True(after - baseline < (long)BudgetMb << 20);
    }

    /// <summary>The gRPC status of one Predict call with <paramref name="body"/>.</summary>
    private static async Task<string> CallAsync(HttpClient http, byte[] body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mindspore.serving.proto.MSService/Predict")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        request.Headers.TryAddWithoutValidation("grpc-encoding", "gzip");
        using var response = await http.SendAsync(request).WaitAsync(s_timeout);
        await response.Content.ReadAsByteArrayAsync().WaitAsync(s_timeout);
        return response.Headers.TryGetValues("grpc-status", out var headers) ? headers.Single()
            : response.TrailingHeaders.TryGetValues("grpc-status", out var trailers) ? trailers.Single() : "none";
    }

    /// <summary>VmRSS of <paramref name="pid"/> in bytes, from /proc.</summary>
    private static long ResidentBytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }

    private static byte[] Frame(byte[] gzip)
    {
        var framed = new byte[gzip.Length + 5];
        framed[0] = 1;
        BinaryPrimitives.WriteUInt32BigEndian(framed.AsSpan(1), (uint)gzip.Length);
        gzip.CopyTo(framed, 5);
        return framed;
    }

    /// <summary>
    /// A gzip-compressed PredictRequest for <c>add.add_common</c> whose x1 is a [2,2] float32 tensor with
    /// <paramref name="dataBytes"/> zero bytes of data (written in protobuf's wire form by hand, so the client never holds
    /// the inflated message). The server answers it with a size error, or refuses it.
    /// </summary>
    private static byte[] GzipPredictRequest(int dataBytes)
    {
        byte[] shape = [0x0A, 0x04, 0x0A, 0x02, 0x02, 0x02, 0x10, 11];
        var tensorHead = Concat(shape, [0x1A], Varint(dataBytes));
        var tensorLength = tensorHead.Length + dataBytes;
        var entryHead = Concat([0x0A, 0x02, (byte)'x', (byte)'1', 0x12], Varint(tensorLength));
        var entryLength = entryHead.Length + tensorLength;
        var instanceHead = Concat([0x0A], Varint(entryLength));
        var instanceLength = instanceHead.Length + entryLength;
        byte[] spec = [0x0A, 0x11, 0x0A, 0x03, .. "add"u8, 0x12, 0x0A, .. "add_common"u8];
        var requestHead = Concat(spec, [0x12], Varint(instanceLength), instanceHead, entryHead, tensorHead);

        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(requestHead);
            var zeros = new byte[1 << 20];
            for (var left = dataBytes; left > 0; left -= zeros.Length)
            {
                gzip.Write(zeros, 0, Math.Min(left, zeros.Length));
            }
        }
        return compressed.ToArray();
    }

    private static byte[] Varint(long value)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value == 0 ? b : (byte)(b | 0x80));
        }
        while (value != 0);
        return [.. bytes];
    }

    private static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];
}

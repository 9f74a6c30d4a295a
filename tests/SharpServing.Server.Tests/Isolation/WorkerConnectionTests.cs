using System.Buffers.Binary;
using System.Net.Sockets;
using Google.Protobuf;
using SharpServing.Worker.Internal;
using SharpServing.Worker.Protocol;

namespace SharpServing.Server.Tests.Isolation;

/// <summary>
/// The server's end of the worker socket against a worker that misbehaves: what a worker sends is untrusted (it runs
/// servable code), so every malformed frame fails the calls in flight at once, names what was wrong, and reports the
/// worker as broken (the supervisor then kills it); nothing waits forever.
/// </summary>
public sealed class WorkerConnectionTests : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly string _folder = Directory.CreateTempSubdirectory("ss-worker-conn-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_well_formed_reply_completes_its_call()
    {
        var reply = new DescribeReply().ToByteArray();
        var (result, broken) = await DescribeAgainstAsync(id => Frame(reply.Length, id, (byte)FrameKind.DescribeReply, reply));
        Assert.NotNull(result);
        Assert.Null(broken);
    }

    [Theory]
    [InlineData("unknown-kind", "unknown kind 77")]
    [InlineData("wrong-kind", "a reply of kind 4 to a request that takes 2")]
    [InlineData("oversize", "more than the limit")]
    [InlineData("negative", "more than the limit")]
    [InlineData("unreadable", "an unreadable reply")]
    public async Task A_malformed_frame_fails_the_call_and_reports_the_worker_broken(string kind, string expected)
    {
        byte[] garbage = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
        var (error, broken) = await FailingDescribeAsync(id => kind switch
        {
            "unknown-kind" => Frame(0, id, 77, []),
            "wrong-kind" => Frame(0, id, (byte)FrameKind.PredictReply, []),
            "oversize" => Frame(WorkerFrames.MaxPayloadBytes + 1, id, (byte)FrameKind.DescribeReply, []),
            "negative" => Frame(-5, id, (byte)FrameKind.DescribeReply, []),
            _ => Frame(garbage.Length, id, (byte)FrameKind.DescribeReply, garbage),
        });
        Assert.Contains("broke the protocol", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.NotNull(broken);
        Assert.Contains(expected, broken, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_worker_that_closes_mid_call_fails_the_call_at_once()
    {
        // Half a header, then the connection ends.
        var (error, broken) = await FailingDescribeAsync(_ => [9, 0]);
        Assert.Contains("closed", error.Message, StringComparison.Ordinal);
        Assert.Null(broken);
    }

    private async Task<(WorkerProtocolException Error, string? Broken)> FailingDescribeAsync(Func<uint, byte[]> answer)
    {
        WorkerProtocolException? error = null;
        string? broken = null;
        try
        {
            (_, broken) = await DescribeAgainstAsync(answer);
        }
        catch (WorkerProtocolException e)
        {
            error = e;
        }
        Assert.NotNull(error);
        return (error, broken ?? _lastBroken);
    }

    private string? _lastBroken;

    /// <summary>Connects to a fake worker that reads one request frame and answers with <paramref name="answer"/>(its id),
    /// then closes the connection.</summary>
    private async Task<(DescribeReply? Reply, string? Broken)> DescribeAgainstAsync(Func<uint, byte[]> answer)
    {
        var path = Path.Combine(_folder, $"w{Guid.NewGuid():N}"[..12] + ".sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        using var cts = new CancellationTokenSource(s_timeout);
        var worker = Task.Run(async () =>
        {
            using var socket = await listener.AcceptAsync(cts.Token);
            var header = new byte[WorkerFrames.HeaderSize];
            var read = 0;
            while (read < header.Length)
            {
                var n = await socket.ReceiveAsync(header.AsMemory(read), cts.Token);
                if (n == 0)
                {
                    return;
                }
                read += n;
            }
            var id = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4));
            await socket.SendAsync(answer(id), cts.Token);
            socket.Shutdown(SocketShutdown.Both);
        }, cts.Token);
        _lastBroken = null;
        await using var connection = await WorkerConnection.ConnectAsync(path, why => _lastBroken = why, cts.Token);
        try
        {
            var reply = await connection.DescribeAsync(cts.Token).WaitAsync(s_timeout);
            return (reply, _lastBroken);
        }
        finally
        {
            await worker.WaitAsync(s_timeout);
        }
    }

    private static byte[] Frame(int length, uint id, byte kind, byte[] payload)
    {
        var frame = new byte[WorkerFrames.HeaderSize + payload.Length];
        BinaryPrimitives.WriteInt32LittleEndian(frame, length);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(4), id);
        frame[8] = kind;
        payload.CopyTo(frame, WorkerFrames.HeaderSize);
        return frame;
    }
}

using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net.Sockets;
using Google.Protobuf;

namespace SharpServing.Worker.Internal;

/// <summary>
/// The framing of the server–worker socket (docs/isolation.md): each message is a 9-byte header (payload length,
/// request id, both 32-bit little-endian, then the kind) and a protobuf payload (<c>Protos/worker.proto</c>). One
/// connection carries every request at once; replies come back in any order and find their request by id.
/// </summary>
internal static class WorkerFrames
{
    public const int HeaderSize = 9;

    /// <summary>The largest payload either end accepts: 1 GiB, above the largest gRPC message the server takes (512 MiB)
    /// with room for the protobuf framing. A longer frame is a protocol violation.</summary>
    public const int MaxPayloadBytes = 1 << 30;

    /// <summary>Writes one frame into <paramref name="writer"/> (not flushed: the caller flushes once for all it wrote).</summary>
    public static void Write(PipeWriter writer, FrameKind kind, uint id, IMessage? message)
    {
        var size = message?.CalculateSize() ?? 0;
        var header = writer.GetSpan(HeaderSize);
        BinaryPrimitives.WriteInt32LittleEndian(header, size);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], id);
        header[8] = (byte)kind;
        writer.Advance(HeaderSize);
        message?.WriteTo(writer);
    }

    /// <summary>Takes one whole frame off the front of <paramref name="buffer"/>; false when it has not all arrived.</summary>
    /// <exception cref="WorkerProtocolException">The frame is longer than <see cref="MaxPayloadBytes"/>.</exception>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, out FrameKind kind, out uint id, out ReadOnlySequence<byte> payload)
    {
        kind = default;
        id = 0;
        payload = default;
        if (buffer.Length < HeaderSize)
        {
            return false;
        }
        Span<byte> header = stackalloc byte[HeaderSize];
        buffer.Slice(0, HeaderSize).CopyTo(header);
        var length = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (length is < 0 or > MaxPayloadBytes)
        {
            throw new WorkerProtocolException($"a message of {(uint)length} bytes, more than the limit of {MaxPayloadBytes} bytes");
        }
        if (buffer.Length - HeaderSize < length)
        {
            return false;
        }
        id = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        kind = (FrameKind)header[8];
        payload = buffer.Slice(HeaderSize, length);
        buffer = buffer.Slice(HeaderSize + length);
        return true;
    }

    /// <summary>The reader and writer both ends put over their connected socket (the socket stays theirs to close).</summary>
    public static (PipeReader Reader, PipeWriter Writer) OpenPipes(Socket socket)
    {
        var stream = new NetworkStream(socket, ownsSocket: false);
        return (PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024)),
            PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 16 * 1024)));
    }

    /// <summary>Shuts the socket down both ways, waits for the end's reader and writer loops to finish, then closes it.</summary>
    public static async Task CloseAsync(Socket socket, Task reading, Task writing)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already disconnected.
        }
        await reading;
        await writing;
        socket.Dispose();
    }
}

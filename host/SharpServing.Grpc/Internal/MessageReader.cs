using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Pipelines;
using Google.Protobuf;

namespace SharpServing.Grpc.Internal;

/// <summary>
/// Reads the single length-prefixed message of a unary or server-streaming request from the request body pipe. The
/// message stays in the pipe's pooled segments until it is parsed; the length prefix is checked before the body is read.
/// </summary>
internal static class MessageReader
{
    /// <summary>
    /// The fast path: when the whole request (prefix, message, end of stream) is in the pipe already, parses it without
    /// waiting. False (nothing consumed) when more is to come; then <see cref="ReadSingleAsync"/> reads it.
    /// </summary>
    public static bool TryReadSingle<T>(PipeReader reader, GrpcMarshaller<T> marshaller, int maxSize, bool gzip, out T message)
    {
        message = default!;
        if (!reader.TryRead(out var result))
        {
            return false;
        }
        var buffer = result.Buffer;
        bool complete;
        var compressed = false;
        var length = 0u;
        try
        {
            complete = result.IsCompleted
                && TryReadHeader(buffer, gzip, maxSize, out compressed, out length)
                && buffer.Length - GrpcProtocol.HeaderSize == length;
        }
        catch
        {
            reader.AdvanceTo(buffer.Start);
            throw;
        }
        if (!complete)
        {
            // Not all there yet, or followed by more data (the slow path reports that): leave it all in the pipe.
            reader.AdvanceTo(buffer.Start);
            return false;
        }
        var body = buffer.Slice(GrpcProtocol.HeaderSize, length);
        try
        {
            message = compressed ? ParseGzip(body, marshaller, maxSize) : Parse(body, marshaller);
        }
        finally
        {
            reader.AdvanceTo(buffer.End);
        }
        return true;
    }

    public static async ValueTask<T> ReadSingleAsync<T>(
        PipeReader reader, GrpcMarshaller<T> marshaller, int maxSize, bool gzip, CancellationToken cancellationToken)
    {
        T message;
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            if (TryReadHeader(buffer, gzip, maxSize, out var compressed, out var length) && buffer.Length - GrpcProtocol.HeaderSize >= length)
            {
                var body = buffer.Slice(GrpcProtocol.HeaderSize, length);
                try
                {
                    message = compressed ? ParseGzip(body, marshaller, maxSize) : Parse(body, marshaller);
                }
                finally
                {
                    reader.AdvanceTo(body.End);
                }
                break;
            }
            if (result.IsCompleted)
            {
                reader.AdvanceTo(buffer.End);
                throw new GrpcStatusException(
                    GrpcStatusCode.Internal, buffer.Length == 0 ? "No request message received." : "Incomplete request message.");
            }
            // Examined but not consumed: Kestrel keeps the bytes and widens the HTTP/2 window by what was examined.
            reader.AdvanceTo(buffer.Start, buffer.End);
        }

        // A unary request carries exactly one message: the stream must end here.
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            var length = result.Buffer.Length;
            reader.AdvanceTo(result.Buffer.End);
            if (length > 0)
            {
                throw new GrpcStatusException(GrpcStatusCode.Internal, "Additional data after the request message.");
            }
            if (result.IsCompleted)
            {
                return message;
            }
        }
    }

    private static bool TryReadHeader(in ReadOnlySequence<byte> buffer, bool gzip, int maxSize, out bool compressed, out uint length)
    {
        compressed = false;
        length = 0;
        if (buffer.Length < GrpcProtocol.HeaderSize)
        {
            return false;
        }
        Span<byte> header = stackalloc byte[GrpcProtocol.HeaderSize];
        buffer.Slice(0, GrpcProtocol.HeaderSize).CopyTo(header);
        compressed = header[0] switch
        {
            0 => false,
            1 => true,
            _ => throw new GrpcStatusException(GrpcStatusCode.Internal, $"Invalid compressed flag {header[0]} in the message prefix."),
        };
        if (compressed && !gzip)
        {
            throw new GrpcStatusException(GrpcStatusCode.Internal, "Compressed message received without a grpc-encoding header.");
        }
        length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (length > (uint)maxSize)
        {
            throw new GrpcStatusException(GrpcStatusCode.ResourceExhausted, $"Received message larger than max ({length} vs. {maxSize})");
        }
        return true;
    }

    private static int ClampLength(long length) => (int)Math.Min(length, Array.MaxLength);

    private static T Parse<T>(in ReadOnlySequence<byte> body, GrpcMarshaller<T> marshaller)
    {
        try
        {
            return marshaller.Parse(body);
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException or InvalidDataException)
        {
            throw new GrpcStatusException(GrpcStatusCode.Internal, $"Failed to parse the request message: {ex.Message}");
        }
    }

    private static T ParseGzip<T>(in ReadOnlySequence<byte> body, GrpcMarshaller<T> marshaller, int maxSize)
    {
        var compressedLength = (int)body.Length;
        var input = ArrayPool<byte>.Shared.Rent(Math.Max(compressedLength, 1));
        var output = ArrayPool<byte>.Shared.Rent(ClampLength(Math.Min((long)maxSize + 1, Math.Max(4096L, (compressedLength * 4L) + 1))));
        try
        {
            body.CopyTo(input);
            var total = 0;
            using (var gzipStream = new GZipStream(new MemoryStream(input, 0, compressedLength, writable: false), CompressionMode.Decompress))
            {
                while (true)
                {
                    if (total == output.Length)
                    {
                        if (total > maxSize)
                        {
                            break;
                        }
                        var larger = ArrayPool<byte>.Shared.Rent(ClampLength(Math.Min((long)maxSize + 1, (long)output.Length * 2)));
                        output.AsSpan(0, total).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(output);
                        output = larger;
                    }
                    var read = gzipStream.Read(output, total, output.Length - total);
                    if (read == 0)
                    {
                        break;
                    }
                    total += read;
                }
            }
            if (total > maxSize)
            {
                throw new GrpcStatusException(GrpcStatusCode.ResourceExhausted, $"Received message after decompression larger than max ({maxSize})");
            }
            return Parse(new ReadOnlySequence<byte>(output, 0, total), marshaller);
        }
        catch (InvalidDataException ex)
        {
            throw new GrpcStatusException(GrpcStatusCode.Internal, $"Failed to decompress the request message: {ex.Message}");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(input);
            ArrayPool<byte>.Shared.Return(output);
        }
    }
}

using System.Buffers.Binary;
using Google.Protobuf;

namespace SharpServing.Benchmark;

/// <summary>gRPC message framing and the one check the load generator makes on a reply, without parsing it.</summary>
internal static class GrpcWire
{
    public const string PredictPath = "/mindspore.serving.proto.MSService/Predict";

    /// <summary>A length-prefixed, uncompressed gRPC message: flag 0, 4-byte big-endian length, the bytes.</summary>
    public static byte[] Frame(IMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var size = message.CalculateSize();
        var framed = new byte[5 + size];
        BinaryPrimitives.WriteUInt32BigEndian(framed.AsSpan(1), (uint)size);
        message.WriteTo(framed.AsSpan(5));
        return framed;
    }

    /// <summary>
    /// Whether a framed PredictReply is a success: one uncompressed message whose top level has no <c>error_msg</c>
    /// (field 4). Walks the top-level tags only, so it costs nothing next to the call.
    /// </summary>
    public static bool IsSuccessfulReply(ReadOnlySpan<byte> framed)
    {
        if (framed.Length < 5 || framed[0] != 0)
        {
            return false;
        }
        var length = BinaryPrimitives.ReadUInt32BigEndian(framed[1..]);
        if (length != framed.Length - 5)
        {
            return false;
        }
        var message = framed[5..];
        var position = 0;
        while (position < message.Length)
        {
            if (!TryReadVarint(message, ref position, out var tag))
            {
                return false;
            }
            var field = tag >> 3;
            if (field == 4)
            {
                return false;
            }
            switch (tag & 7)
            {
                case 0:
                    if (!TryReadVarint(message, ref position, out _))
                    {
                        return false;
                    }
                    break;
                case 1:
                    position += 8;
                    break;
                case 2:
                    if (!TryReadVarint(message, ref position, out var size) || size > (ulong)(message.Length - position))
                    {
                        return false;
                    }
                    position += (int)size;
                    break;
                case 5:
                    position += 4;
                    break;
                default:
                    return false;
            }
        }
        return position == message.Length;
    }

    private static bool TryReadVarint(ReadOnlySpan<byte> data, ref int position, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64 && position < data.Length; shift += 7)
        {
            var b = data[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return true;
            }
        }
        return false;
    }
}

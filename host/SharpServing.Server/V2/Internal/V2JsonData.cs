using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using SharpServing.Engine;

namespace SharpServing.Server.V2.Internal;

/// <summary>
/// The <c>data</c> of a JSON input, nested or flat, in row-major order, read straight into the element bytes of its
/// datatype; BYTES elements are JSON strings (UTF-8). Its length is checked against the shape afterwards, so the
/// buffer grows with the body, never with a shape the client claims.
/// </summary>
internal static class V2JsonData
{
    public const int MaxDepth = 64;

    public static RequestInput Read(ref Utf8JsonReader reader, string name, DataType type, long[] shape)
    {
        if (type == DataType.Bytes)
        {
            var items = new List<ReadOnlyMemory<byte>>();
            ReadLeaves(ref reader, name, (ref Utf8JsonReader r) =>
            {
                Expect(r.TokenType == JsonTokenType.String, name, type);
                items.Add(Encoding.UTF8.GetBytes(r.GetString()!));
            });
            return V2Tensors.Items(shape, items);
        }
        var size = type.ItemSize();
        var buffer = new MemoryStream();
        var bytes = new byte[8];
        ReadLeaves(ref reader, name, (ref Utf8JsonReader r) =>
        {
            WriteElement(ref r, name, type, bytes);
            buffer.Write(bytes, 0, size);
        });
        return V2Tensors.Numeric(type, shape, buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
    }

    private delegate void LeafReader(ref Utf8JsonReader reader);

    private static void ReadLeaves(ref Utf8JsonReader reader, string name, LeafReader leaf)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            leaf(ref reader);
            return;
        }
        var depth = reader.CurrentDepth;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndArray && reader.CurrentDepth == depth)
            {
                return;
            }
            if (reader.TokenType is JsonTokenType.StartArray or JsonTokenType.EndArray)
            {
                continue;
            }
            leaf(ref reader);
        }
        throw new V2Exception(V2Status.BadRequest, $"input '{name}': 'data' is cut short");
    }

    private static void WriteElement(ref Utf8JsonReader reader, string name, DataType type, Span<byte> to)
    {
        if (type == DataType.Bool)
        {
            Expect(reader.TokenType is JsonTokenType.True or JsonTokenType.False, name, type);
            to[0] = reader.TokenType == JsonTokenType.True ? (byte)1 : (byte)0;
            return;
        }
        Expect(reader.TokenType == JsonTokenType.Number, name, type);
        switch (type)
        {
            case DataType.Int8:
                Expect(reader.TryGetSByte(out var i8), name, type);
                to[0] = (byte)i8;
                break;
            case DataType.UInt8:
                Expect(reader.TryGetByte(out var u8), name, type);
                to[0] = u8;
                break;
            case DataType.Int16:
                Expect(reader.TryGetInt16(out var i16), name, type);
                BinaryPrimitives.WriteInt16LittleEndian(to, i16);
                break;
            case DataType.UInt16:
                Expect(reader.TryGetUInt16(out var u16), name, type);
                BinaryPrimitives.WriteUInt16LittleEndian(to, u16);
                break;
            case DataType.Int32:
                Expect(reader.TryGetInt32(out var i32), name, type);
                BinaryPrimitives.WriteInt32LittleEndian(to, i32);
                break;
            case DataType.UInt32:
                Expect(reader.TryGetUInt32(out var u32), name, type);
                BinaryPrimitives.WriteUInt32LittleEndian(to, u32);
                break;
            case DataType.Int64:
                Expect(reader.TryGetInt64(out var i64), name, type);
                BinaryPrimitives.WriteInt64LittleEndian(to, i64);
                break;
            case DataType.UInt64:
                Expect(reader.TryGetUInt64(out var u64), name, type);
                BinaryPrimitives.WriteUInt64LittleEndian(to, u64);
                break;
            case DataType.Float16:
                // A JSON number is finite: one that becomes infinity is out of FP16's range, as for FP32.
                Expect(reader.TryGetDouble(out var f16) && Half.IsFinite((Half)f16), name, type);
                BinaryPrimitives.WriteHalfLittleEndian(to, (Half)f16);
                break;
            case DataType.Float32:
                Expect(reader.TryGetDouble(out var f32) && float.IsFinite((float)f32), name, type);
                BinaryPrimitives.WriteSingleLittleEndian(to, (float)f32);
                break;
            default:
                Expect(reader.TryGetDouble(out var f64), name, type);
                BinaryPrimitives.WriteDoubleLittleEndian(to, f64);
                break;
        }
    }

    private static void Expect(bool condition, string name, DataType type)
    {
        if (!condition)
        {
            throw new V2Exception(V2Status.BadRequest, $"input '{name}': an element of 'data' is not a {V2DataTypes.NameOf(type)} value");
        }
    }
}

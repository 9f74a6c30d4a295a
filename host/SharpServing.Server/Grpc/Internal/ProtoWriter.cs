using System.Buffers;
using System.Numerics;
using System.Text;

namespace SharpServing.Server.Grpc.Internal;

/// <summary>
/// Writes protobuf wire format into an <see cref="IBufferWriter{T}"/>: small fields go through one span taken from the
/// output at a time; large byte fields are copied straight into the output in chunks. Field numbers are below 16, so
/// every tag is one byte. <see cref="Commit"/> hands the last span back.
/// </summary>
internal ref struct ProtoWriter(IBufferWriter<byte> output)
{
    private const int MinSpan = 256;
    private Span<byte> _span;
    private int _position;

    public const int WireVarint = 0;
    public const int WireLength = 2;

    public static int VarintSize(ulong value) => (BitOperations.Log2(value | 1) / 7) + 1;

    /// <summary>Size of a length-delimited field (one-byte tag, length, payload).</summary>
    public static int LengthFieldSize(int payload) => 1 + VarintSize((uint)payload) + payload;

    public void WriteTag(int field, int wireType)
    {
        Ensure(1);
        _span[_position++] = (byte)((field << 3) | wireType);
    }

    public void WriteVarint(ulong value)
    {
        Ensure(10);
        while (value >= 0x80)
        {
            _span[_position++] = (byte)(value | 0x80);
            value >>= 7;
        }
        _span[_position++] = (byte)value;
    }

    public void WriteVarintField(int field, ulong value)
    {
        WriteTag(field, WireVarint);
        WriteVarint(value);
    }

    /// <summary>Tag and length of a length-delimited field whose payload follows.</summary>
    public void WriteLengthPrefix(int field, int length)
    {
        WriteTag(field, WireLength);
        WriteVarint((uint)length);
    }

    public void WriteStringField(int field, string value, int utf8Length)
    {
        WriteLengthPrefix(field, utf8Length);
        if (utf8Length <= 4 * MinSpan)
        {
            Ensure(utf8Length);
            _position += Encoding.UTF8.GetBytes(value, _span[_position..]);
            return;
        }
        Commit();
        var span = output.GetSpan(utf8Length);
        output.Advance(Encoding.UTF8.GetBytes(value, span));
    }

    public void WriteBytesField(int field, ReadOnlySpan<byte> value)
    {
        WriteLengthPrefix(field, value.Length);
        if (value.Length <= _span.Length - _position)
        {
            value.CopyTo(_span[_position..]);
            _position += value.Length;
            return;
        }
        Commit();
        while (value.Length > 0)
        {
            var span = output.GetSpan();
            var count = Math.Min(span.Length, value.Length);
            value[..count].CopyTo(span);
            output.Advance(count);
            value = value[count..];
        }
    }

    /// <summary>Advances the output past what was written into the current span.</summary>
    public void Commit()
    {
        if (_position > 0)
        {
            output.Advance(_position);
        }
        _span = default;
        _position = 0;
    }

    private void Ensure(int count)
    {
        if (_span.Length - _position < count)
        {
            Commit();
            _span = output.GetSpan(Math.Max(count, MinSpan));
        }
    }
}

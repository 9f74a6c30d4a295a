namespace SharpServing.Server.Grpc.Internal;

/// <summary>
/// Reads protobuf wire format from a range of an array, so that byte fields can be handed out as slices of it. Malformed
/// input (a truncated field, an overlong varint, a bad wire type or field number) throws <see cref="InvalidDataException"/>.
/// </summary>
internal ref struct ProtoReader(byte[] buffer, int start, int end)
{
    private int _position = start;

    public readonly byte[] Buffer => buffer;

    public readonly bool HasMore => _position < end;

    /// <summary>The next tag, or false at the end of the range.</summary>
    public bool TryReadTag(out uint tag)
    {
        if (_position >= end)
        {
            tag = 0;
            return false;
        }
        var value = ReadVarint();
        if (value >> 3 == 0 || value > uint.MaxValue || (value & 7) is 6 or 7)
        {
            throw new InvalidDataException($"Protocol message contained an invalid tag ({value}).");
        }
        tag = (uint)value;
        return true;
    }

    public ulong ReadVarint()
    {
        ulong result = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            if (_position >= end)
            {
                throw Truncated();
            }
            var b = buffer[_position++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }
        throw new InvalidDataException("Protocol message contained a malformed varint.");
    }

    /// <summary>A length-delimited payload: its start and length in <see cref="Buffer"/>.</summary>
    public (int Start, int Length) ReadLengthDelimited()
    {
        var length = ReadVarint();
        if (length > (ulong)(end - _position))
        {
            throw Truncated();
        }
        var start = _position;
        _position += (int)length;
        return (start, (int)length);
    }

    public ProtoReader ReadMessage()
    {
        var (start, length) = ReadLengthDelimited();
        return new ProtoReader(buffer, start, start + length);
    }

    /// <summary>Skips the value of a field this reader does not know (groups included).</summary>
    public void Skip(uint tag)
    {
        switch (tag & 7)
        {
            case 0:
                ReadVarint();
                break;
            case 1:
                Advance(8);
                break;
            case 2:
                ReadLengthDelimited();
                break;
            case 3:
                while (true)
                {
                    if (!TryReadTag(out var inner))
                    {
                        throw Truncated();
                    }
                    if ((inner & 7) == 4)
                    {
                        if (inner >> 3 != tag >> 3)
                        {
                            throw new InvalidDataException("Protocol message contained a mismatched end-group tag.");
                        }
                        return;
                    }
                    Skip(inner);
                }
            case 5:
                Advance(4);
                break;
            default:
                throw new InvalidDataException("Protocol message contained an unexpected end-group tag.");
        }
    }

    private void Advance(int count)
    {
        if (end - _position < count)
        {
            throw Truncated();
        }
        _position += count;
    }

    private static InvalidDataException Truncated()
        => new("While parsing a protocol message, the input ended unexpectedly in the middle of a field.");
}

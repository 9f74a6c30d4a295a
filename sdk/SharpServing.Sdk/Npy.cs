using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace SharpServing;

/// <summary>
/// Reads and writes numpy's <c>.npy</c> format (versions 1.0, 2.0 and 3.0) as <see cref="Tensor"/>s: bool, int8..int64,
/// uint8..uint64, float16/32/64, unicode strings (<c>&lt;U</c>, read as <see cref="DataType.String"/>) and byte strings
/// (<c>|S</c>, read as <see cref="DataType.Bytes"/>); C order only, 0-d arrays included.
/// </summary>
/// <remarks>
/// Big-endian files (<c>&gt;f4</c>) are swapped on read; files are always written little-endian. Like numpy, fixed-width
/// string items lose trailing NUL characters, so a string or bytes item that ends in NUL does not round-trip.
/// </remarks>
public static class Npy
{
    private static readonly byte[] s_magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
    private static readonly UTF32Encoding s_utf32Little = new(bigEndian: false, byteOrderMark: false, throwOnInvalidCharacters: true);
    private static readonly UTF32Encoding s_utf32Big = new(bigEndian: true, byteOrderMark: false, throwOnInvalidCharacters: true);
    private const int Alignment = 64;

    /// <summary>Reads one array from the start of <paramref name="stream"/> (which need not be seekable).</summary>
    /// <exception cref="InvalidDataException">The bytes are not a well-formed .npy file, or it is truncated.</exception>
    /// <exception cref="NotSupportedException">The dtype is not supported, or the array is in Fortran order.</exception>
    public static Tensor Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> prefix = stackalloc byte[8];
        ReadExactly(stream, prefix, "the magic string");
        if (!prefix[..6].SequenceEqual(s_magic))
        {
            throw new InvalidDataException("Not a .npy file: the magic string \\x93NUMPY is missing.");
        }
        int major = prefix[6], minor = prefix[7];
        int headerLength;
        if (major == 1)
        {
            Span<byte> length = stackalloc byte[2];
            ReadExactly(stream, length, "the header length");
            headerLength = BinaryPrimitives.ReadUInt16LittleEndian(length);
        }
        else if (major is 2 or 3)
        {
            Span<byte> length = stackalloc byte[4];
            ReadExactly(stream, length, "the header length");
            var value = BinaryPrimitives.ReadUInt32LittleEndian(length);
            if (value > 1 << 24)
            {
                throw new InvalidDataException($"The .npy header claims {value} bytes; that is not a sane header.");
            }
            headerLength = (int)value;
        }
        else
        {
            throw new NotSupportedException($"The .npy format version {major}.{minor} is not supported (1.0, 2.0 and 3.0 are).");
        }
        var headerBytes = new byte[headerLength];
        ReadExactly(stream, headerBytes, "the header");
        var headerText = major == 3 ? Encoding.UTF8.GetString(headerBytes) : Encoding.Latin1.GetString(headerBytes);
        var header = NpyHeader.Parse(headerText);
        var dtype = NpyDType.Parse(header.Descr);
        long count = 1;
        foreach (var dim in header.Shape)
        {
            if (dim != 0 && count > Array.MaxLength / dim)
            {
                throw new NotSupportedException($"The .npy array's shape holds more than {Array.MaxLength} elements.");
            }
            count *= dim;
        }
        if (header.FortranOrder && header.Shape.Count(d => d > 1) > 1)
        {
            throw new NotSupportedException(
                "The .npy array is in Fortran (column-major) order, which is not supported; save it with numpy.ascontiguousarray(a) first.");
        }
        var byteCount = count * dtype.ItemSize; // count ≤ Array.MaxLength and ItemSize ≤ int.MaxValue: no overflow
        if (byteCount > Array.MaxLength)
        {
            throw new NotSupportedException($"The .npy array holds {byteCount} bytes; a tensor holds at most {Array.MaxLength}.");
        }
        if (stream.CanSeek && stream.Length - stream.Position < byteCount)
        {
            // Checked before the array is allocated, so a header that claims gigabytes costs nothing.
            throw new InvalidDataException("The .npy file is truncated: it ends inside the array data.");
        }
        var data = new byte[byteCount];
        ReadExactly(stream, data, "the array data");
        return dtype.DataType switch
        {
            DataType.String => Tensor.FromItems(DataType.String, header.Shape, DecodeUnicode(data, dtype, count)),
            DataType.Bytes => Tensor.FromItems(DataType.Bytes, header.Shape, SplitBytes(data, dtype, count)),
            _ => Tensor.FromMemory(dtype.DataType, header.Shape, SwapIfBigEndian(data, dtype), isReadOnly: false),
        };
    }

    /// <summary>Reads the .npy file at <paramref name="path"/>.</summary>
    public static Tensor Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return Read(file);
    }

    /// <summary>
    /// Writes <paramref name="tensor"/> as a .npy array (version 1.0, or 2.0 when the header needs it): numeric types
    /// little-endian, <see cref="DataType.String"/> as <c>&lt;U<i>n</i></c>, <see cref="DataType.Bytes"/> as <c>|S<i>n</i></c>.
    /// </summary>
    public static void Write(Stream stream, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensor);
        string descr;
        byte[]? itemBytes = null;
        switch (tensor.DataType)
        {
            case DataType.String:
                itemBytes = EncodeUnicode(tensor.Items, out var chars);
                descr = $"<U{chars}";
                break;
            case DataType.Bytes:
                itemBytes = PadBytes(tensor.Items, out var width);
                descr = $"|S{width}";
                break;
            default:
                descr = NpyDType.Describe(tensor.DataType);
                break;
        }
        WriteHeader(stream, new NpyHeader(descr, FortranOrder: false, tensor.Shape.ToArray()));
        stream.Write(itemBytes ?? tensor.Data.Span);
    }

    /// <summary>Writes <paramref name="tensor"/> to a new .npy file at <paramref name="path"/> (replacing any file there).</summary>
    public static void Write(string path, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        Write(file, tensor);
    }

    private static void WriteHeader(Stream stream, NpyHeader header)
    {
        var text = header.Format();
        // Pad with spaces and a final newline so the data starts at a multiple of 64 bytes, as numpy does;
        // version 2.0 only when the header outgrows version 1.0's 16-bit length field.
        var version = PaddedLength(text, 2) <= ushort.MaxValue ? 1 : 2;
        var padding = PaddedLength(text, version == 1 ? 2 : 4) - text.Length - 1;
        var headerBytes = Encoding.ASCII.GetBytes(text + new string(' ', padding) + "\n");
        stream.Write(s_magic);
        Span<byte> prefix = stackalloc byte[6];
        prefix[0] = (byte)version;
        prefix[1] = 0;
        if (version == 1)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(prefix[2..], (ushort)headerBytes.Length);
            stream.Write(prefix[..4]);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(prefix[2..], (uint)headerBytes.Length);
            stream.Write(prefix);
        }
        stream.Write(headerBytes);
    }

    /// <summary>The header length (text, spaces, newline) that aligns the data after a length field of the given size.</summary>
    private static int PaddedLength(string text, int lengthFieldSize)
    {
        var unpadded = s_magic.Length + 2 + lengthFieldSize + text.Length + 1;
        return text.Length + 1 + (Alignment - unpadded % Alignment) % Alignment;
    }

    private static byte[] SwapIfBigEndian(byte[] data, NpyDType dtype)
    {
        if (!dtype.BigEndian)
        {
            return data;
        }
        switch (dtype.ItemSize)
        {
            case 2:
                var shorts = MemoryMarshal.Cast<byte, ushort>(data.AsSpan());
                BinaryPrimitives.ReverseEndianness(shorts, shorts);
                break;
            case 4:
                var ints = MemoryMarshal.Cast<byte, uint>(data.AsSpan());
                BinaryPrimitives.ReverseEndianness(ints, ints);
                break;
            case 8:
                var longs = MemoryMarshal.Cast<byte, ulong>(data.AsSpan());
                BinaryPrimitives.ReverseEndianness(longs, longs);
                break;
        }
        return data;
    }

    private static ReadOnlyMemory<byte>[] DecodeUnicode(byte[] data, NpyDType dtype, long count)
    {
        var items = new ReadOnlyMemory<byte>[count];
        var encoding = dtype.BigEndian ? s_utf32Big : s_utf32Little;
        for (var i = 0; i < items.Length; i++)
        {
            var item = data.AsSpan(i * dtype.ItemSize, dtype.ItemSize);
            var length = item.Length;
            while (length >= 4 && item.Slice(length - 4, 4).IndexOfAnyExcept((byte)0) < 0)
            {
                length -= 4;
            }
            try
            {
                items[i] = Encoding.UTF8.GetBytes(encoding.GetString(item[..length]));
            }
            catch (DecoderFallbackException e)
            {
                throw new InvalidDataException($"Item {i} of the .npy unicode array is not valid UTF-32: {e.Message}", e);
            }
        }
        return items;
    }

    private static ReadOnlyMemory<byte>[] SplitBytes(byte[] data, NpyDType dtype, long count)
    {
        var items = new ReadOnlyMemory<byte>[count];
        for (var i = 0; i < items.Length; i++)
        {
            var item = data.AsMemory(i * dtype.ItemSize, dtype.ItemSize);
            var length = item.Span.LastIndexOfAnyExcept((byte)0) + 1;
            items[i] = item[..length];
        }
        return items;
    }

    private static byte[] EncodeUnicode(IReadOnlyList<ReadOnlyMemory<byte>> items, out int chars)
    {
        var texts = new string[items.Count];
        chars = 1;
        for (var i = 0; i < texts.Length; i++)
        {
            texts[i] = Encoding.UTF8.GetString(items[i].Span);
            chars = Math.Max(chars, s_utf32Little.GetByteCount(texts[i]) / 4);
        }
        var width = checked(chars * 4);
        var bytes = new byte[checked((long)width * texts.Length)];
        for (var i = 0; i < texts.Length; i++)
        {
            s_utf32Little.GetBytes(texts[i], bytes.AsSpan(i * width, width));
        }
        return bytes;
    }

    private static byte[] PadBytes(IReadOnlyList<ReadOnlyMemory<byte>> items, out int width)
    {
        width = 1;
        foreach (var item in items)
        {
            width = Math.Max(width, item.Length);
        }
        var bytes = new byte[checked((long)width * items.Count)];
        for (var i = 0; i < items.Count; i++)
        {
            items[i].Span.CopyTo(bytes.AsSpan(i * width, width));
        }
        return bytes;
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string what)
    {
        try
        {
            stream.ReadExactly(buffer);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"The .npy file is truncated: it ends inside {what}.", e);
        }
    }
}

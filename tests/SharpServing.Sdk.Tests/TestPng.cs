using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace SharpServing.Sdk.Tests;

/// <summary>A minimal PNG encoder for tests: exact pixels in, a valid file out (filter 0 on every row).</summary>
internal static class TestPng
{
    public const int Gray = 0;
    public const int Rgb = 2;
    public const int Palette = 3;
    public const int Rgba = 6;

    private static readonly uint[] s_crcTable = Enumerable.Range(0, 256).Select(n =>
    {
        var c = (uint)n;
        for (var k = 0; k < 8; k++)
        {
            c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
        }
        return c;
    }).ToArray();

    // Adam7's passes: first column, first row, column step, row step.
    private static readonly (int X, int Y, int Dx, int Dy)[] s_adam7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)];

    /// <param name="samples">Row-major samples, big-endian 16-bit pairs when <paramref name="bitDepth"/> is 16.</param>
    /// <param name="ancillary">Chunks written between the header (and palette) and the image data, e.g. gAMA or tRNS.</param>
    /// <param name="interlaced">Adam7 interlacing (bit depths of 8 and 16 only).</param>
    public static byte[] Encode(int width, int height, int colorType, byte[] samples, int bitDepth = 8, byte[]? palette = null,
        (string Type, byte[] Data)[]? ancillary = null, bool interlaced = false)
    {
        var rowBytes = samples.Length / height;
        var pixelBytes = rowBytes / width;
        using var raw = new MemoryStream();
        using (var zlib = new ZLibStream(raw, CompressionLevel.Optimal, leaveOpen: true))
        {
            foreach (var (x0, y0, dx, dy) in interlaced ? s_adam7 : [(0, 0, 1, 1)])
            {
                for (var y = y0; y < height && x0 < width; y += dy)
                {
                    zlib.WriteByte(0);
                    for (var x = x0; x < width; x += dx)
                    {
                        zlib.Write(samples, (y * rowBytes) + (x * pixelBytes), pixelBytes);
                    }
                }
            }
        }
        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = (byte)bitDepth;
        header[9] = (byte)colorType;
        header[12] = (byte)(interlaced ? 1 : 0);
        Chunk(png, "IHDR", header);
        if (palette is not null)
        {
            Chunk(png, "PLTE", palette);
        }
        foreach (var (type, data) in ancillary ?? [])
        {
            Chunk(png, type, data);
        }
        Chunk(png, "IDAT", raw.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(number, data.Length);
        png.Write(number);
        var typeAndData = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        png.Write(typeAndData);
        var crc = 0xFFFFFFFFu;
        foreach (var b in typeAndData)
        {
            crc = s_crcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }
        BinaryPrimitives.WriteUInt32BigEndian(number, crc ^ 0xFFFFFFFFu);
        png.Write(number);
    }
}

using System.Buffers.Binary;
using System.Text;
using SharpServing.Imaging;

namespace SharpServing.Sdk.Tests;

public sealed class ImageDecoderTests
{
    // Fixtures: blocks.jpg is eight flat 8×8 colour blocks (cjpeg -quality 100 -sample 1x1); photo.jpg is Grace Hopper's
    // portrait (public domain, from Debian's python-matplotlib-data) at 80×96, cjpeg -quality 85 (4:2:0); photo-decoded.ppm
    // is djpeg's decode of photo.jpg, the reference.
    private static readonly byte[][] s_blockColors =
        [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255], [0, 0, 0], [128, 64, 32], [10, 200, 120], [250, 250, 0]];

    [Fact]
    public void Decode_Jpeg_GivesKnownPixelsInRgbAndBgr()
    {
        var jpeg = File.ReadAllBytes(TestPaths.Fixture("blocks.jpg"));

        var rgb = ImageDecoder.Decode(jpeg);
        var bgr = ImageDecoder.Decode(jpeg, ChannelOrder.Bgr);

        Assert.Equal(ImageFormat.Jpeg, ImageDecoder.DetectFormat(jpeg));
        Assert.Equal(DataType.UInt8, rgb.DataType);
        Assert.Equal([16L, 32, 3], rgb.Shape.ToArray());
        var pixels = rgb.AsSpan<byte>();
        var swapped = bgr.AsSpan<byte>();
        for (var y = 0; y < 16; y++)
        {
            for (var x = 0; x < 32; x++)
            {
                var expected = s_blockColors[(y / 8 * 4) + (x / 8)];
                var at = ((y * 32) + x) * 3;
                for (var c = 0; c < 3; c++)
                {
                    Assert.InRange(pixels[at + c], Math.Max(0, expected[c] - 3), Math.Min(255, expected[c] + 3));
                    Assert.Equal(pixels[at + c], swapped[at + 2 - c]);
                }
            }
        }
    }

    [Fact]
    public void Decode_RealPhoto_MatchesDjpeg()
    {
        var jpeg = File.ReadAllBytes(TestPaths.Fixture("photo.jpg"));
        var (width, height, reference) = ReadPpm(File.ReadAllBytes(TestPaths.Fixture("photo-decoded.ppm")));

        var image = ImageDecoder.Decode(jpeg);

        Assert.Equal([(long)height, width, 3], image.Shape.ToArray());
        var pixels = image.AsSpan<byte>();
        var worst = 0;
        for (var i = 0; i < reference.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(pixels[i] - reference[i]));
        }
        // Same library, same (accurate integer) DCT and upsampling as djpeg: identical up to rounding between versions.
        Assert.InRange(worst, 0, 1);
    }

    [Fact]
    public void Decode_PngRgb_ExactPixels()
    {
        var samples = Enumerable.Range(0, 3 * 4 * 3).Select(i => (byte)((i * 29) + 3)).ToArray();
        var png = TestPng.Encode(4, 3, TestPng.Rgb, samples);

        var image = ImageDecoder.Decode(png);
        var bgr = ImageDecoder.Decode(png, ChannelOrder.Bgr);

        Assert.Equal(ImageFormat.Png, ImageDecoder.DetectFormat(png));
        Assert.Equal([3L, 4, 3], image.Shape.ToArray());
        Assert.Equal(samples, image.ToArray<byte>());
        Assert.Equal(image.RgbToBgr(), bgr);
    }

    [Fact]
    public void Decode_PngWithAlpha_DropsAlphaWithoutCompositing()
    {
        byte[] rgba = [10, 20, 30, 0, 40, 50, 60, 128, 70, 80, 90, 255, 200, 210, 220, 1];

        var image = ImageDecoder.Decode(TestPng.Encode(2, 2, TestPng.Rgba, rgba));

        Assert.Equal([2L, 2, 3], image.Shape.ToArray());
        Assert.Equal(new byte[] { 10, 20, 30, 40, 50, 60, 70, 80, 90, 200, 210, 220 }, image.ToArray<byte>());
    }

    [Fact]
    public void Decode_PngGrayPaletteAnd16Bit_ExpandToRgb()
    {
        var gray = ImageDecoder.Decode(TestPng.Encode(3, 1, TestPng.Gray, [0, 77, 255]));
        var palette = ImageDecoder.Decode(TestPng.Encode(2, 1, TestPng.Palette, [1, 0], palette: [1, 2, 3, 250, 251, 252]));
        var deep = ImageDecoder.Decode(TestPng.Encode(2, 1, TestPng.Rgb, [0xAB, 0xAB, 0x00, 0x00, 0xFF, 0xFF, 0x12, 0x12, 0x80, 0x80, 0x01, 0x01], bitDepth: 16));

        Assert.Equal(new byte[] { 0, 0, 0, 77, 77, 77, 255, 255, 255 }, gray.ToArray<byte>());
        Assert.Equal(new byte[] { 250, 251, 252, 1, 2, 3 }, palette.ToArray<byte>());
        Assert.Equal(new byte[] { 0xAB, 0x00, 0xFF, 0x12, 0x80, 0x01 }, deep.ToArray<byte>());
    }

    [Fact]
    public void Decode_Png16Bit_KeepsTheHighByteAsOpenCv()
    {
        // 0x12FF is 18.9 on an 8-bit scale: OpenCV's and PIL's 8-bit reads keep 0x12, a rounding scale would give 0x13.
        var deep = ImageDecoder.Decode(TestPng.Encode(2, 1, TestPng.Rgb, [0x12, 0xFF, 0x12, 0x80, 0x12, 0x7F, 0xFE, 0xFF, 0x00, 0xFF, 0xFF, 0x00], bitDepth: 16));

        Assert.Equal(new byte[] { 0x12, 0x12, 0x12, 0xFE, 0x00, 0xFF }, deep.ToArray<byte>());
    }

    [Fact]
    public void Decode_PngWithGammaChunk_GivesTheStoredSamples()
    {
        // gAMA 1.0 (linear light): a colour-managed decode would brighten every sample; OpenCV and PIL give them as stored.
        var samples = Enumerable.Range(0, 5 * 3 * 3).Select(i => (byte)((i * 37) + 11)).ToArray();
        var gamma = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(gamma, 100_000);

        var image = ImageDecoder.Decode(TestPng.Encode(5, 3, TestPng.Rgb, samples, ancillary: [("gAMA", gamma)]));

        Assert.Equal(samples, image.ToArray<byte>());
    }

    [Fact]
    public void Decode_PngTransparencyChunk_DropsTheAlphaItMakes()
    {
        // tRNS gives the palette's first entry and the grey value 77 an alpha of 0: the colours stay.
        var palette = ImageDecoder.Decode(TestPng.Encode(2, 1, TestPng.Palette, [0, 1], palette: [1, 2, 3, 250, 251, 252], ancillary: [("tRNS", [0])]));
        var gray = ImageDecoder.Decode(TestPng.Encode(3, 1, TestPng.Gray, [0, 77, 255], ancillary: [("tRNS", [0, 77])]));

        Assert.Equal(new byte[] { 1, 2, 3, 250, 251, 252 }, palette.ToArray<byte>());
        Assert.Equal(new byte[] { 0, 0, 0, 77, 77, 77, 255, 255, 255 }, gray.ToArray<byte>());
    }

    [Theory]
    [InlineData(TestPng.Rgb, 3)]
    [InlineData(TestPng.Rgba, 4)]
    public void Decode_PngOfOddSizeAndInterlaced_ExactPixelsInBothOrders(int colorType, int channels)
    {
        // 37×23: a pixel count that is not a multiple of the four pixels the packing step takes at once.
        const int Width = 37, Height = 23;
        var random = new Random(7);
        var samples = new byte[Width * Height * channels];
        random.NextBytes(samples);
        var rgb = Enumerable.Range(0, Width * Height).SelectMany(p => samples.AsSpan(p * channels, 3).ToArray()).ToArray();
        var bgr = Enumerable.Range(0, Width * Height).SelectMany(p => new[] { rgb[(3 * p) + 2], rgb[(3 * p) + 1], rgb[3 * p] }).ToArray();

        foreach (var interlaced in new[] { false, true })
        {
            var png = TestPng.Encode(Width, Height, colorType, samples, interlaced: interlaced);

            Assert.Equal(rgb, ImageDecoder.Decode(png).ToArray<byte>());
            Assert.Equal(bgr, ImageDecoder.Decode(png, ChannelOrder.Bgr).ToArray<byte>());
        }
    }

    [Fact]
    public void Decode_BadBytes_ThrowInvalidDataWithReason()
    {
        var jpeg = File.ReadAllBytes(TestPaths.Fixture("blocks.jpg"));
        var png = TestPng.Encode(4, 4, TestPng.Rgb, new byte[48]);

        AssertFails([], "empty");
        AssertFails("GIF89a......"u8.ToArray(), "neither JPEG nor PNG");
        AssertFails(jpeg[..20], "JPEG");
        AssertFails([0xFF, 0xD8, 0xFF, .. "garbage garbage garbage"u8], "JPEG");
        AssertFails(png[..40], "PNG");
        AssertFails([.. png[..8], .. "not chunks at all, just text"u8], "PNG");
        var badCrc = (byte[])png.Clone();
        badCrc[29] ^= 0xFF;
        AssertFails(badCrc, "PNG");

        // Failures leave nothing behind in the decoder this thread reuses.
        Assert.Equal([16L, 32, 3], ImageDecoder.Decode(jpeg).Shape.ToArray());
        Assert.Equal([4L, 4, 3], ImageDecoder.Decode(png).Shape.ToArray());
    }

    [Fact]
    public void Decode_ImageLargerThanLimit_IsRefusedBeforeDecoding()
    {
        var jpeg = File.ReadAllBytes(TestPaths.Fixture("blocks.jpg"));
        // Claim 60000×60000 in the SOF0 frame header.
        var sof = jpeg.AsSpan().IndexOf([(byte)0xFF, (byte)0xC0]);
        var bomb = (byte[])jpeg.Clone();
        bomb[sof + 5] = bomb[sof + 7] = 0xEA;
        bomb[sof + 6] = bomb[sof + 8] = 0x60;

        var error = Assert.Throws<InvalidDataException>(() => ImageDecoder.Decode(bomb));
        Assert.Contains("60000×60000", error.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => ImageDecoder.Decode(jpeg, maxPixels: 100));
    }

    [Fact]
    public void Decode_CorruptedBytes_NeverCrash()
    {
        var random = new Random(1234);
        var sources = new[] { File.ReadAllBytes(TestPaths.Fixture("photo.jpg")), TestPng.Encode(8, 8, TestPng.Rgb, new byte[192]) };
        var decoded = 0;
        var refused = 0;
        foreach (var source in sources)
        {
            for (var round = 0; round < 300; round++)
            {
                var bytes = (byte[])source.Clone();
                for (var flips = random.Next(1, 8); flips > 0; flips--)
                {
                    bytes[random.Next(3, bytes.Length)] = (byte)random.Next(256);
                }
                try
                {
                    var image = ImageDecoder.Decode(bytes.AsSpan(0, random.Next(4, bytes.Length + 1)));
                    Assert.Equal(3, image.Rank);
                    decoded++;
                }
                catch (InvalidDataException e)
                {
                    Assert.StartsWith("Image decode failed: ", e.Message, StringComparison.Ordinal);
                    refused++;
                }
            }
        }
        Assert.True(decoded > 0 && refused > 0, $"decoded {decoded}, refused {refused}");
    }

    [Fact]
    public async Task Decode_ManyThreadsAtOnce_GiveTheSameResult()
    {
        var jpeg = File.ReadAllBytes(TestPaths.Fixture("photo.jpg"));
        var samples = new byte[61 * 47 * 4];
        new Random(3).NextBytes(samples);
        var png = TestPng.Encode(61, 47, TestPng.Rgba, samples);
        var expected = (Jpeg: ImageDecoder.Decode(jpeg), Png: ImageDecoder.Decode(png));

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
            Enumerable.Range(0, 20).All(_ => ImageDecoder.Decode(jpeg).Equals(expected.Jpeg) && ImageDecoder.Decode(png).Equals(expected.Png)))))
            .WaitAsync(TimeSpan.FromSeconds(30));

        Assert.All(results, Assert.True);
    }

    private static void AssertFails(byte[] bytes, string reason)
    {
        var error = Assert.Throws<InvalidDataException>(() => ImageDecoder.Decode(bytes));
        Assert.StartsWith("Image decode failed: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    private static (int Width, int Height, byte[] Pixels) ReadPpm(byte[] file)
    {
        // "P6\n<w> <h>\n255\n" then RGB bytes.
        var fields = new List<string>();
        var at = 0;
        while (fields.Count < 4)
        {
            var start = at;
            while (!char.IsWhiteSpace((char)file[at]))
            {
                at++;
            }
            fields.Add(Encoding.ASCII.GetString(file, start, at - start));
            at++;
        }
        Assert.Equal("P6", fields[0]);
        return (int.Parse(fields[1]), int.Parse(fields[2]), file[at..]);
    }
}

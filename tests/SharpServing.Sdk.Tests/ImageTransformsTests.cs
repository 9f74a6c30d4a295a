using SharpServing.Imaging;

namespace SharpServing.Sdk.Tests;

public sealed class ImageTransformsTests
{
    [Fact]
    public void Resize_Upscale2x_HandComputedBilinear()
    {
        var image = Tensor.Create(new byte[] { 0, 100, 200, 255 }, 2, 2);

        var resized = image.Resize(4, 4);

        // Source x for output 0..3 is -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1); rows likewise.
        // Row 0: 0, 25, 75, 100; row 3: 200, 213.75, 241.25, 255; rows 1 and 2 blend them at 0.25 and 0.75, rounded half up.
        Assert.Equal([4L, 4], resized.Shape.ToArray());
        Assert.Equal(new byte[]
        {
            0, 25, 75, 100,
            50, 72, 117, 139,
            150, 167, 200, 216,
            200, 214, 241, 255,
        }, resized.ToArray<byte>());
    }

    [Fact]
    public void Resize_Downscale2x_AveragesBlocks_InEveryChannel()
    {
        // 4×4×2: channel 0 = 0..15, channel 1 = 100 + 2·(0..15).
        var values = new float[32];
        for (var i = 0; i < 16; i++)
        {
            values[2 * i] = i;
            values[(2 * i) + 1] = 100 + (2 * i);
        }

        var resized = Tensor.Create(values, 4, 4, 2).Resize(2, 2);

        // Output pixel (y, x) samples at source (2y + 0.5, 2x + 0.5): the mean of a 2×2 block.
        Assert.Equal(new float[] { 2.5f, 105f, 4.5f, 109f, 10.5f, 121f, 12.5f, 125f }, resized.ToArray<float>());
    }

    [Fact]
    public void Resize_SameSize_IsIdentity_AndUInt8AgreesWithFloat32()
    {
        var random = new Random(7);
        var pixels = new byte[37 * 53 * 3];
        random.NextBytes(pixels);
        var image = Tensor.FromMemory(DataType.UInt8, [37, 53, 3], pixels);

        Assert.Equal(image, image.Resize(37, 53));
        var asBytes = image.Resize(20, 91).ToArray<byte>();
        var asFloats = image.ToFloat32().Resize(20, 91).ToArray<float>();
        for (var i = 0; i < asBytes.Length; i++)
        {
            Assert.Equal(Math.Floor(asFloats[i] + 0.5f), asBytes[i]);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Resize_Float32_MatchesThePerElementBlend_ForAnyChannelCount(int channels)
    {
        // The vector paths (one pixel per 4-lane vector, spilling into the next pixel) must give the bits of the plain
        // per-element formula, borders and non-finite values included.
        var random = new Random(channels);
        var values = new float[9 * 13 * channels];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)((random.NextDouble() * 300) - 50);
        }
        values[4] = float.NaN;
        values[^3] = float.PositiveInfinity;
        var image = Tensor.Create(values, 9, 13, channels);

        foreach (var (height, width) in new[] { (5, 29), (17, 6), (9, 13), (9, 31), (2, 1) })
        {
            var resized = image.Resize(height, width).ToArray<float>();

            var expected = ReferenceResize(values, 9, 13, channels, height, width);
            for (var i = 0; i < expected.Length; i++)
            {
                Assert.Equal(BitConverter.SingleToInt32Bits(expected[i]), BitConverter.SingleToInt32Bits(resized[i]));
            }
        }
    }

    [Fact]
    public void Resize_UInt8_SameWidthAndOtherWidths_RoundTheFloat32Blend()
    {
        var random = new Random(3);
        var pixels = new byte[232 * 64 * 3];
        random.NextBytes(pixels);
        var image = Tensor.FromMemory(DataType.UInt8, [232, 64, 3], pixels);

        foreach (var (height, width) in new[] { (224, 64), (300, 64), (224, 50), (100, 129) })
        {
            var asBytes = image.Resize(height, width).ToArray<byte>();
            var asFloats = image.ToFloat32().Resize(height, width).ToArray<float>();

            for (var i = 0; i < asBytes.Length; i++)
            {
                Assert.Equal(Math.Floor(asFloats[i] + 0.5f), asBytes[i]);
            }
        }
    }

    private static float[] ReferenceResize(float[] source, int fromHeight, int fromWidth, int channels, int height, int width)
    {
        static (int Low, int High, float Weight) At(int index, int fromSize, int toSize)
        {
            var position = ((index + 0.5) * fromSize / toSize) - 0.5;
            var low = (int)Math.Floor(position);
            return low < 0 ? (0, 0, 0f) : low >= fromSize - 1 ? (fromSize - 1, fromSize - 1, 0f) : (low, low + 1, (float)(position - low));
        }
        float Row(int y, int x0, int x1, float w, int c)
        {
            var a = source[(((y * fromWidth) + x0) * channels) + c];
            return a + ((source[(((y * fromWidth) + x1) * channels) + c] - a) * w);
        }
        var result = new float[height * width * channels];
        for (var y = 0; y < height; y++)
        {
            var (y0, y1, wy) = At(y, fromHeight, height);
            for (var x = 0; x < width; x++)
            {
                var (x0, x1, wx) = At(x, fromWidth, width);
                for (var c = 0; c < channels; c++)
                {
                    var top = Row(y0, x0, x1, wx, c);
                    result[(((y * width) + x) * channels) + c] = top + ((Row(y1, x0, x1, wx, c) - top) * wy);
                }
            }
        }
        return result;
    }

    [Fact]
    public void Crop_And_Pad_MoveTheRightPixels()
    {
        var image = Tensor.Create(Enumerable.Range(1, 12).Select(i => (short)i).ToArray(), 3, 4, 1);

        var crop = image.Crop(top: 1, left: 1, height: 2, width: 2);
        var padded = Tensor.Create(new byte[] { 1, 2, 3, 4, 5, 6 }, 1, 2, 3).Pad(top: 1, bottom: 0, left: 0, right: 1, value: 114);

        Assert.Equal([2L, 2, 1], crop.Shape.ToArray());
        Assert.Equal(new short[] { 6, 7, 10, 11 }, crop.ToArray<short>());
        Assert.Equal([2L, 3, 3], padded.Shape.ToArray());
        Assert.Equal(new byte[]
        {
            114, 114, 114, 114, 114, 114, 114, 114, 114,
            1, 2, 3, 4, 5, 6, 114, 114, 114,
        }, padded.ToArray<byte>());
        Assert.Throws<ArgumentOutOfRangeException>(() => image.Crop(2, 0, 2, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => image.Pad(-1, 0, 0, 0));
    }

    [Fact]
    public void Normalize_UsesScaleMeanAndStdPerChannel()
    {
        // 13 pixels, so the vector path and the tail both run.
        var pixels = Enumerable.Range(0, 39).Select(i => (byte)(i * 6)).ToArray();
        float[] mean = [0.485f, 0.456f, 0.406f];
        float[] std = [0.229f, 0.224f, 0.225f];

        var normalized = Tensor.Create(pixels, 13, 1, 3).Normalize(mean, std, scale: 1 / 255f);

        Assert.Equal(DataType.Float32, normalized.DataType);
        var values = normalized.AsSpan<float>();
        for (var i = 0; i < pixels.Length; i++)
        {
            Assert.Equal(((pixels[i] / 255f) - mean[i % 3]) / std[i % 3], values[i], 1e-5);
        }
        var single = Tensor.Create(new float[] { 0, 127.5f, 255 }, 1, 3).Normalize([127.5f], [127.5f]);
        Assert.Equal(new float[] { -1, 0, 1 }, single.ToArray<float>());
        Assert.Throws<ArgumentException>(() => Tensor.Zeros<byte>(2, 2, 3).Normalize([1f, 2f], [1f, 2f]));
        Assert.Throws<ArgumentException>(() => Tensor.Zeros<byte>(2, 2, 3).Normalize([0f], [0f]));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    public void Normalize_UInt8AndFloat32_GiveTheSameBits_InTheVectorPathAndTheTail(int channels)
    {
        var pixels = new byte[101 * channels];
        new Random(channels).NextBytes(pixels);
        float[] mean = channels == 1 ? [0.5f] : [.. Enumerable.Range(0, channels).Select(c => 0.1f * (c + 1))];
        float[] std = channels == 1 ? [0.25f] : [.. Enumerable.Range(0, channels).Select(c => 0.2f + (0.01f * c))];
        var image = Tensor.Create(pixels, 101, 1, channels);

        var fromBytes = image.Normalize(mean, std, scale: 1 / 255f).ToArray<float>();
        var fromFloats = image.ToFloat32().Normalize(mean, std, scale: 1 / 255f).ToArray<float>();
        var fromShorts = image.Cast(DataType.Int16).Normalize(mean, std, scale: 1 / 255f).ToArray<float>();

        for (var i = 0; i < pixels.Length; i++)
        {
            var c = i % channels;
            var expected = (pixels[i] * ((1 / 255f) / std[c])) + (-mean[c] / std[c]);
            Assert.Equal(expected, fromBytes[i]);
            Assert.Equal(expected, fromFloats[i]);
            Assert.Equal(expected, fromShorts[i]);
        }
    }

    [Theory]
    [InlineData(DataType.UInt8, 1)]
    [InlineData(DataType.UInt8, 3)]
    [InlineData(DataType.UInt8, 4)]
    [InlineData(DataType.Float32, 1)]
    [InlineData(DataType.Float32, 3)]
    [InlineData(DataType.Float32, 4)]
    public void NormalizeToChw_GivesTheBitsOfNormalizePadHwcToChw(DataType type, int channels)
    {
        var random = new Random((int)type * 10 + channels);
        float[] mean = [.. Enumerable.Range(0, channels).Select(c => 0.4f + (0.03f * c))];
        float[] std = [.. Enumerable.Range(0, channels).Select(c => 0.22f + (0.005f * c))];
        // Widths below, at and past a vector of bytes, odd ones for the tails; pads of none, one and many.
        foreach (var (height, width, bottom, right) in new[] { (1, 1, 0, 0), (3, 7, 1, 2), (5, 32, 0, 0), (9, 33, 23, 31), (16, 65, 5, 0), (2, 200, 0, 7) })
        {
            var bytes = new byte[height * width * channels];
            random.NextBytes(bytes);
            var image = Tensor.FromMemory(DataType.UInt8, [height, width, channels], bytes);
            if (type == DataType.Float32)
            {
                image = image.ToFloat32(scale: 1.5f);
            }

            var fused = image.NormalizeToChw(mean, std, scale: 1 / 255f, padBottom: bottom, padRight: right);
            var chained = image.Normalize(mean, std, scale: 1 / 255f).Pad(0, bottom, 0, right).HwcToChw();

            Assert.Equal(chained.Shape.ToArray(), fused.Shape.ToArray());
            Assert.Equal(DataType.Float32, fused.DataType);
            Assert.False(fused.IsReadOnly);
            Assert.True(chained.Data.Span.SequenceEqual(fused.Data.Span), $"{height}x{width}x{channels} padded {bottom}, {right}");
        }
        // One mean and std for every channel, as Normalize takes them.
        var one = Tensor.FromMemory(DataType.UInt8, [4, 40, channels], new byte[4 * 40 * channels], isReadOnly: true);
        Assert.True(one.Normalize([0.5f], [0.25f]).Pad(0, 4, 0, 8).HwcToChw().Data.Span.SequenceEqual(one.NormalizeToChw([0.5f], [0.25f], padBottom: 4, padRight: 8).Data.Span));
    }

    [Fact]
    public void NormalizeToChw_RefusesWhatTheChainRefuses_AndOtherTypes()
    {
        var image = Tensor.Zeros<byte>(4, 4, 3);

        Assert.Throws<ArgumentException>(() => image.NormalizeToChw([1f, 2f], [1f, 2f]));
        Assert.Throws<ArgumentException>(() => image.NormalizeToChw([0f], [0f]));
        Assert.Throws<ArgumentException>(() => image.NormalizeToChw([0f], [float.NaN]));
        Assert.Throws<ArgumentOutOfRangeException>(() => image.NormalizeToChw([0f], [1f], padBottom: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => image.NormalizeToChw([0f], [1f], padRight: -1));
        Assert.Throws<ArgumentException>(() => Tensor.Zeros<short>(4, 4, 3).NormalizeToChw([0f], [1f]));
        Assert.Throws<ArgumentException>(() => Tensor.Zeros<byte>(4, 4).NormalizeToChw([0f], [1f]));
        Assert.Throws<ArgumentException>(() => Tensor.Zeros<byte>(1, 4, 4, 3).NormalizeToChw([0f], [1f]));
        Assert.Throws<OverflowException>(() => Tensor.Zeros<byte>(2, 2, 3).NormalizeToChw([0f], [1f], padBottom: int.MaxValue));
    }

    [Fact]
    public void ToFloat32_ScalesEveryElement()
    {
        var pixels = Enumerable.Range(0, 131).Select(i => (byte)(255 - i)).ToArray();

        var floats = Tensor.Create(pixels, 131).ToFloat32(1 / 255f);
        var fromInts = Tensor.Create(new int[] { -2, 0, 7 }, 3).ToFloat32(0.5f);

        Assert.Equal(pixels.Select(p => p * (1 / 255f)).ToArray(), floats.ToArray<float>());
        Assert.Equal(new float[] { -1, 0, 3.5f }, fromInts.ToArray<float>());
    }

    [Fact]
    public void HwcToChw_And_Back_ForImagesAndBatches()
    {
        var hwc = Tensor.Create(Enumerable.Range(0, 12).Select(i => (float)i).ToArray(), 2, 2, 3);

        var chw = hwc.HwcToChw();
        var batch = Tensor.Create(Enumerable.Range(0, 24).Select(i => (byte)i).ToArray(), 2, 2, 2, 3).HwcToChw();

        Assert.Equal([3L, 2, 2], chw.Shape.ToArray());
        Assert.Equal(new float[] { 0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11 }, chw.ToArray<float>());
        Assert.Equal(hwc, chw.ChwToHwc());
        Assert.Equal([2L, 3, 2, 2], batch.Shape.ToArray());
        Assert.Equal(new byte[] { 12, 15, 18, 21, 13, 16, 19, 22, 14, 17, 20, 23 }, batch.ToArray<byte>()[12..]);
        Assert.Throws<ArgumentException>(() => Tensor.Zeros<float>(4, 4).HwcToChw());
    }

    [Theory]
    [InlineData(DataType.UInt8)]
    [InlineData(DataType.Int16)]
    [InlineData(DataType.Float32)]
    [InlineData(DataType.Float64)]
    public void HwcToChw_MovesEveryElement_ForEachChannelCountAndElementSize(DataType type)
    {
        // 7 × 11 pixels: whole shuffle blocks and a tail, for channel counts with and without a vector path.
        foreach (var channels in new[] { 1, 2, 3, 4, 5 })
        {
            var hwc = Tensor.Create(Enumerable.Range(0, 7 * 11 * channels).Select(i => (double)(i % 1000)).ToArray(), 7, 11, channels).Cast(type);

            var chw = hwc.HwcToChw();

            var source = hwc.Cast(DataType.Float64).ToArray<double>();
            var planar = chw.Cast(DataType.Float64).ToArray<double>();
            for (var p = 0; p < 77; p++)
            {
                for (var c = 0; c < channels; c++)
                {
                    Assert.Equal(source[(p * channels) + c], planar[(c * 77) + p]);
                }
            }
            Assert.Equal(hwc, chw.ChwToHwc());
        }
    }

    [Theory]
    [InlineData(DataType.UInt8)]
    [InlineData(DataType.Int16)]
    [InlineData(DataType.Float32)]
    [InlineData(DataType.Float64)]
    public void RgbToBgr_SwapsEveryPixel_ForEachElementSize(DataType type)
    {
        foreach (var channels in new[] { 3, 4 })
        {
            var image = Tensor.Create(Enumerable.Range(0, 37 * channels).Select(i => (double)i).ToArray(), 37, 1, channels).Cast(type);

            var swapped = image.RgbToBgr().Cast(DataType.Float64).ToArray<double>();

            for (var i = 0; i < swapped.Length; i++)
            {
                var c = i % channels;
                Assert.Equal(i - c + (c switch { 0 => 2, 2 => 0, _ => c }), swapped[i]);
            }
        }
    }

    [Fact]
    public void RgbToBgr_SwapsFirstAndThirdChannel()
    {
        var rgb = Tensor.Create(new double[] { 1, 2, 3, 4, 5, 6 }, 1, 2, 3);
        var rgba = Tensor.Create(new byte[] { 1, 2, 3, 4 }, 1, 1, 4);

        Assert.Equal(new double[] { 3, 2, 1, 6, 5, 4 }, rgb.RgbToBgr().ToArray<double>());
        Assert.Equal(rgb, rgb.RgbToBgr().BgrToRgb());
        Assert.Equal(new byte[] { 3, 2, 1, 4 }, rgba.RgbToBgr().ToArray<byte>());
        Assert.Throws<ArgumentException>(() => Tensor.Zeros<byte>(2, 2, 2).RgbToBgr());
    }

    [Fact]
    public void Transforms_AcceptReadOnlyInputs_AndReturnWritableTensors()
    {
        var readOnly = Tensor.FromMemory(DataType.UInt8, [2, 2, 3], new byte[12]);

        foreach (var result in new[]
        {
            readOnly.Resize(3, 3), readOnly.Crop(0, 0, 1, 1), readOnly.Pad(1, 1, 1, 1), readOnly.Normalize([0f], [1f]),
            readOnly.ToFloat32(), readOnly.HwcToChw(), readOnly.RgbToBgr(),
        })
        {
            Assert.False(result.IsReadOnly);
        }
        Assert.True(readOnly.IsReadOnly);
    }

    [Fact]
    public void Pipeline_DecodeResizeNormalizeChw_OnARealPhoto()
    {
        var image = ImageDecoder.Decode(File.ReadAllBytes(TestPaths.Fixture("photo.jpg")), ChannelOrder.Bgr);

        var input = image.Resize(48, 40).Normalize([0.5f], [0.5f], scale: 1 / 255f).HwcToChw().Reshape(1, 3, 48, 40);

        Assert.Equal([1L, 3, 48, 40], input.Shape.ToArray());
        Assert.All(input.ToArray<float>(), v => Assert.InRange(v, -1f, 1f));
    }
}

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

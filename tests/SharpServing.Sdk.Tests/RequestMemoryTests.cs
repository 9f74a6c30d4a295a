using System.Runtime.InteropServices;
using SharpServing.Imaging;

namespace SharpServing.Sdk.Tests;

public sealed class RequestMemoryTests
{
    private sealed class Request(int? minPooledBytes = null) : IRequestMemorySource
    {
        public RequestMemory Memory { get; } = minPooledBytes is { } min ? new(min) : new();
    }

    private static readonly float[] s_mean = [0.485f, 0.456f, 0.406f];
    private static readonly float[] s_std = [0.229f, 0.224f, 0.225f];

    private static byte[] Storage(Tensor tensor) => MemoryMarshal.TryGetArray(tensor.Data, out var segment) ? segment.Array! : [];

    [Fact]
    public void Large_transform_results_made_for_a_request_are_its_memory_until_released()
    {
        var request = new Request();
        var image = Tensor.Zeros<byte>(256, 256, 3);
        Tensor normalized, planar;

        using (RequestMemory.Enter(request))
        {
            Assert.True(RequestMemory.IsActive);
            normalized = image.Normalize(s_mean, s_std, scale: 1 / 255f);
            planar = normalized.HwcToChw();
        }

        Assert.False(RequestMemory.IsActive);
        Assert.True(request.Memory.Owns(normalized));
        Assert.True(request.Memory.Owns(planar));
        Assert.True(request.Memory.Owns(planar.Reshape(3, 256 * 256)));
        Assert.False(request.Memory.Owns(image));
        Assert.Equal(-0.485f / 0.229f, planar.AsSpan<float>()[0], 5);
        request.Memory.Release();
        Assert.False(request.Memory.Owns(planar));
    }

    [Fact]
    public void Outside_a_request_and_below_the_threshold_tensors_are_ordinary_arrays()
    {
        var request = new Request();
        var outside = RequestMemory.Allocate(DataType.Float32, 256, 256);
        Tensor small, large;
        using (RequestMemory.Enter(request))
        {
            small = RequestMemory.Allocate(DataType.UInt8, RequestMemory.MinPooledBytes - 1);
            large = RequestMemory.Allocate(DataType.UInt8, RequestMemory.MinPooledBytes);
        }

        Assert.Equal(256 * 256 * 4, Storage(outside).Length);
        Assert.Equal(RequestMemory.MinPooledBytes - 1, Storage(small).Length);
        Assert.False(request.Memory.Owns(small));
        Assert.True(request.Memory.Owns(large));
        Assert.False(request.Memory.Owns(outside));
    }

    [Fact]
    public void Memory_with_a_higher_threshold_pools_only_tensors_at_or_above_it()
    {
        var run = new Request(minPooledBytes: 4 * RequestMemory.MinPooledBytes);
        var low = new Request(minPooledBytes: 1);
        Tensor below, at, floor;
        using (RequestMemory.Enter(run))
        {
            below = RequestMemory.Allocate(DataType.UInt8, (4 * RequestMemory.MinPooledBytes) - 1);
            at = RequestMemory.Allocate(DataType.UInt8, 4 * RequestMemory.MinPooledBytes);
        }
        using (RequestMemory.Enter(low))
        {
            floor = RequestMemory.Allocate(DataType.UInt8, RequestMemory.MinPooledBytes - 1);
        }

        Assert.False(run.Memory.Owns(below));
        Assert.Equal((4 * RequestMemory.MinPooledBytes) - 1, Storage(below).Length);
        Assert.True(run.Memory.Owns(at));
        // Never below MinPooledBytes, whatever is asked.
        Assert.False(low.Memory.Owns(floor));
        run.Memory.Release();
        Assert.False(run.Memory.Owns(at));
    }

    [Fact]
    public void After_release_a_request_gets_ordinary_arrays_and_a_second_release_does_nothing()
    {
        var request = new Request();
        request.Memory.Release();
        Tensor late;
        using (RequestMemory.Enter(request))
        {
            late = RequestMemory.Allocate(DataType.Float32, 256, 256);
        }

        Assert.False(request.Memory.Owns(late));
        Assert.Equal(256 * 256 * 4, Storage(late).Length);
        request.Memory.Release();
    }

    [Theory]
    [InlineData(TestPng.Rgb, 3)]
    [InlineData(TestPng.Rgba, 4)]
    public void A_decoded_image_made_for_a_request_is_its_memory_with_the_exact_pixels(int colorType, int channels)
    {
        const int Width = 200, Height = 120;
        var samples = new byte[Width * Height * channels];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = (byte)(i * 7 % 251);
        }
        var expected = new byte[Width * Height * 3];
        for (var p = 0; p < Width * Height; p++)
        {
            samples.AsSpan(p * channels, 3).CopyTo(expected.AsSpan(p * 3));
        }
        var request = new Request();
        Tensor decoded;
        using (RequestMemory.Enter(request))
        {
            decoded = ImageDecoder.Decode(TestPng.Encode(Width, Height, colorType, samples));
        }

        Assert.True(request.Memory.Owns(decoded));
        Assert.Equal([Height, Width, 3L], decoded.Shape.ToArray());
        Assert.Equal(expected, decoded.ToArray<byte>());
    }

    [Fact]
    public void Allocate_rejects_string_types_and_negative_dimensions()
    {
        Assert.Throws<ArgumentException>(() => RequestMemory.Allocate(DataType.String, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => RequestMemory.Allocate(DataType.Float32, 2, -1));
    }
}

using System.Text;

namespace SharpServing.Sdk.Tests;

public sealed class NpyTests
{
    private static readonly DataType[] s_numeric = [
        DataType.Bool, DataType.Int8, DataType.Int16, DataType.Int32, DataType.Int64, DataType.UInt8, DataType.UInt16,
        DataType.UInt32, DataType.UInt64, DataType.Float16, DataType.Float32, DataType.Float64];

    public static TheoryData<DataType> NumericTypes => new(s_numeric);

    private static readonly string[] s_strings = ["", "a", "héllo", "日本語", "😀x"];
    private static readonly byte[][] s_bytes = [[], [(byte)'a', (byte)'b'], [1, 0, 0xFF]];

    /// <summary>The same values numpy's <c>sample()</c> below makes: <c>i·37 − 100</c> wrapped, <c>i·0.25 − 3</c>, <c>i % 3 == 0</c>.</summary>
    private static Tensor Sample(DataType type, params long[] shape)
    {
        var count = shape.Aggregate(1L, (a, b) => a * b);
        if (type == DataType.Bool)
        {
            return Tensor.Create(Enumerable.Range(0, (int)count).Select(i => i % 3 == 0).ToArray(), shape);
        }
        if (type is DataType.Float16 or DataType.Float32 or DataType.Float64)
        {
            return Tensor.Create(Enumerable.Range(0, (int)count).Select(i => (i * 0.25) - 3).ToArray(), shape).Cast(type);
        }
        return Tensor.Create(Enumerable.Range(0, (int)count).Select(i => (i * 37L) - 100).ToArray(), shape).Cast(type);
    }

    private const string PythonSample = """
        import numpy as np, sys
        def sample(dtype, shape):
            dtype = np.dtype(dtype)
            i = np.arange(int(np.prod(shape)), dtype=np.int64)
            if dtype.kind == 'b':
                a = i % 3 == 0
            elif dtype.kind == 'f':
                a = (i * 0.25 - 3).astype(dtype)
            else:
                a = (i * 37 - 100).astype(dtype)
            return a.reshape(shape)
        STRINGS = ['', 'a', 'héllo', '日本語', '😀x']
        BYTES = [b'', b'ab', b'\x01\x00\xff']
        NUMERIC = ['?', 'i1', 'i2', 'i4', 'i8', 'u1', 'u2', 'u4', 'u8', 'f2', 'f4', 'f8']
        """;

    private static Tensor RoundTrip(Tensor tensor)
    {
        using var stream = new MemoryStream();
        Npy.Write(stream, tensor);
        Assert.Equal(0, HeaderEnd(stream.ToArray()) % 64);
        stream.Position = 0;
        return Npy.Read(stream);
    }

    private static int HeaderEnd(byte[] file) => file[6] == 1 ? 10 + BitConverter.ToUInt16(file, 8) : 12 + BitConverter.ToInt32(file, 8);

    [Theory]
    [MemberData(nameof(NumericTypes))]
    public void RoundTrip_EveryNumericType_KeepsTypeShapeAndValues(DataType type)
    {
        var tensor = Sample(type, 2, 3, 4);

        var read = RoundTrip(tensor);

        Assert.Equal(tensor, read);
        Assert.False(read.IsReadOnly);
    }

    [Theory]
    [InlineData(new long[0])]
    [InlineData(new long[] { 0, 3 })]
    [InlineData(new long[] { 5 })]
    [InlineData(new long[] { 1, 1, 1, 1, 1, 2 })]
    public void RoundTrip_ZeroDimensionalEmptyAndHighRank_KeepsShape(long[] shape)
    {
        var tensor = Sample(DataType.Float32, shape);

        var read = RoundTrip(tensor);

        Assert.Equal(shape, read.Shape.ToArray());
        Assert.Equal(tensor, read);
    }

    [Fact]
    public void RoundTrip_StringsAndBytes_KeepItems()
    {
        var strings = Tensor.FromStrings(s_strings).Reshape(5);
        var bytes = Tensor.FromItems(DataType.Bytes, [3], [.. s_bytes.Select(b => (ReadOnlyMemory<byte>)b)]);

        var readStrings = RoundTrip(strings);
        var readBytes = RoundTrip(bytes);

        Assert.Equal(strings, readStrings);
        Assert.Equal(bytes, readBytes);
    }

    [Fact]
    public void Write_HeaderIsNumpyStyle()
    {
        using var stream = new MemoryStream();

        Npy.Write(stream, Sample(DataType.Int16, 3));

        var file = stream.ToArray();
        var header = Encoding.ASCII.GetString(file, 10, HeaderEnd(file) - 10);
        Assert.StartsWith("{'descr': '<i2', 'fortran_order': False, 'shape': (3,), }", header, StringComparison.Ordinal);
        Assert.EndsWith("\n", header, StringComparison.Ordinal);
        Assert.Equal(HeaderEnd(file) + 6, file.Length);
    }

    [Fact]
    public void Numpy_ReadsEveryFileWeWrite()
    {
        using var folder = new TempFolder();
        foreach (var type in s_numeric)
        {
            Npy.Write(folder.File($"{NpyName(type)}.npy"), Sample(type, 2, 3, 4));
        }
        Npy.Write(folder.File("scalar.npy"), Sample(DataType.Float64));
        Npy.Write(folder.File("empty.npy"), Sample(DataType.Int32, 0, 3));
        Npy.Write(folder.File("strings.npy"), Tensor.FromStrings(s_strings).Reshape(5));
        Npy.Write(folder.File("bytes.npy"), Tensor.FromItems(DataType.Bytes, [3], [.. s_bytes.Select(b => (ReadOnlyMemory<byte>)b)]));

        var output = Python.Run(PythonSample + "\n" + """
            checked = 0
            for name in NUMERIC:
                a = np.load(name.replace('?', 'b1') + '.npy')
                e = sample(name, (2, 3, 4))
                assert a.dtype == e.dtype and a.shape == e.shape and np.array_equal(a, e), (name, a, e)
                checked += 1
            a = np.load('scalar.npy'); assert a.shape == () and a.dtype == np.float64 and a == -3.0, a
            a = np.load('empty.npy'); assert a.shape == (0, 3) and a.dtype == np.int32, a
            a = np.load('strings.npy'); assert a.dtype.kind == 'U' and a.tolist() == STRINGS, a
            a = np.load('bytes.npy'); assert a.dtype.kind == 'S' and a.tolist() == [b'', b'ab', b'\x01\x00\xff'], a
            print('checked', checked + 4)
            """, folder.Path);

        Assert.Equal("checked 16", output.Trim());
    }

    [Fact]
    public void Read_EveryFileNumpyWrites_IncludingBigEndianAndVersions2And3()
    {
        using var folder = new TempFolder();
        Python.Run(PythonSample + "\n" + """
            for name in NUMERIC:
                np.save(name.replace('?', 'b1') + '.npy', sample(name, (2, 3, 4)))
                if np.dtype(name).itemsize > 1:
                    np.save('be_' + name + '.npy', sample(name, (2, 3, 4)).astype('>' + name))
            np.save('scalar.npy', np.float64(-3.0))
            np.save('strings.npy', np.array(STRINGS))
            np.save('be_strings.npy', np.array(STRINGS, dtype='>U5'))
            np.save('bytes.npy', np.array(BYTES))
            np.save('fortran.npy', np.asfortranarray(sample('f4', (2, 3))))
            for v in (1, 2, 3):
                with open('v%d.npy' % v, 'wb') as f:
                    np.lib.format.write_array(f, sample('i4', (4, 5)), version=(v, 0))
            """, folder.Path);

        foreach (var type in s_numeric)
        {
            var expected = Sample(type, 2, 3, 4);
            Assert.Equal(expected, Npy.Read(folder.File($"{NpyName(type)}.npy")));
            if (type.ItemSize() > 1)
            {
                Assert.Equal(expected, Npy.Read(folder.File($"be_{NpyName(type)}.npy")));
            }
        }
        var scalar = Npy.Read(folder.File("scalar.npy"));
        Assert.Equal(0, scalar.Rank);
        Assert.Equal(-3.0, scalar.ToScalar<double>());
        Assert.Equal(Tensor.FromStrings(s_strings), Npy.Read(folder.File("strings.npy")));
        Assert.Equal(Tensor.FromStrings(s_strings), Npy.Read(folder.File("be_strings.npy")));
        Assert.Equal(Tensor.FromItems(DataType.Bytes, [3], [.. s_bytes.Select(b => (ReadOnlyMemory<byte>)b)]), Npy.Read(folder.File("bytes.npy")));
        for (var v = 1; v <= 3; v++)
        {
            Assert.Equal(Sample(DataType.Int32, 4, 5), Npy.Read(folder.File($"v{v}.npy")));
        }
        var fortran = Assert.Throws<NotSupportedException>(() => Npy.Read(folder.File("fortran.npy")));
        Assert.Contains("Fortran", fortran.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_BadFiles_FailWithClearMessages()
    {
        Assert.Contains("magic", Assert.Throws<InvalidDataException>(() => Read("PK\x03\x04 not numpy at all"u8.ToArray())).Message,
            StringComparison.Ordinal);

        var good = Write(Sample(DataType.Float32, 10));
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => Read(good[..^4])).Message, StringComparison.Ordinal);
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => Read(good[..9])).Message, StringComparison.Ordinal);

        Assert.Throws<NotSupportedException>(() => Read(WithHeader("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }")));
        Assert.Contains("structured", Assert.Throws<InvalidDataException>(
            () => Read(WithHeader("{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (1,), }"))).Message, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => Read(WithHeader("{'descr': '<i4', 'shape': (1,), }")));
        Assert.Throws<InvalidDataException>(() => Read(WithHeader("{'descr': '<i4', 'fortran_order': False, 'shape': (-1,), }")));

        // Found by afl-fuzz: a zero-width string dtype with a huge shape made one item per element out of no bytes.
        Assert.Contains("0 bytes", Assert.Throws<InvalidDataException>(
            () => Read(WithHeader("{'descr': '=U0', 'fortran_order': False, 'shape': (111111111111111111), }"))).Message, StringComparison.Ordinal);
        Assert.Contains("0 bytes", Assert.Throws<InvalidDataException>(
            () => Read(WithHeader("{'descr': '|S0', 'fortran_order': False, 'shape': (3,), }"))).Message, StringComparison.Ordinal);
        // A header that claims far more data than the file holds fails before the array is allocated.
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(
            () => Read(WithHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (100000000,), }"))).Message, StringComparison.Ordinal);
        // Element counts that overflow 64 bits.
        Assert.Throws<NotSupportedException>(
            () => Read(WithHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }")));
        Assert.Throws<NotSupportedException>(() => Read(WithHeader("{'descr': '<U999999999', 'fortran_order': False, 'shape': (1,), }")));
    }

    private static string NpyName(DataType type) => type switch
    {
        DataType.Bool => "b1",
        DataType.Float16 => "f2",
        DataType.Float32 => "f4",
        DataType.Float64 => "f8",
        _ => (type.ToString().StartsWith('U') ? "u" : "i") + type.ItemSize(),
    };

    private static Tensor Read(byte[] file)
    {
        using var stream = new MemoryStream(file);
        return Npy.Read(stream);
    }

    private static byte[] Write(Tensor tensor)
    {
        using var stream = new MemoryStream();
        Npy.Write(stream, tensor);
        return stream.ToArray();
    }

    private static byte[] WithHeader(string header)
    {
        var text = Encoding.ASCII.GetBytes(header + "\n");
        return [0x93, .. "NUMPY"u8, 1, 0, (byte)text.Length, (byte)(text.Length >> 8), .. text, .. new byte[16]];
    }
}

using System.Text;

namespace SharpServing.OnnxRuntime.Tests;

/// <summary>Every element type SharpServing holds goes into ORT and comes back bit for bit (through Identity).</summary>
public sealed class DataTypeRoundTripTests
{
    public static TheoryData<DataType> NumericTypes => new(Fixtures.IdentityTypes.Where(t => t.IsNumeric()));

    [Theory]
    [MemberData(nameof(NumericTypes))]
    public void Numeric_tensor_round_trips_through_identity(DataType type)
    {
        var input = Sample(type, rows: 2, columns: 3);
        using var session = OrtSession.FromBytes(Fixtures.Identity(type));

        var outputs = session.Run([input]);

        var y = Assert.Single(outputs);
        Assert.Equal(type, y.DataType);
        Assert.Equal([2L, 3L], y.Dims);
        Assert.Equal(input.Data.ToArray(), y.Data.ToArray());
        Assert.False(y.IsReadOnly);
    }

    [Theory]
    [MemberData(nameof(NumericTypes))]
    public void Input_and_output_metadata_carry_the_element_type(DataType type)
    {
        using var session = OrtSession.FromBytes(Fixtures.Identity(type));

        var x = Assert.Single(session.Inputs);
        Assert.Equal(type, x.DataType);
        Assert.Equal(type, Assert.Single(session.Outputs).DataType);
        Assert.Equal([-1L, -1L], x.Shape);
        Assert.Equal(["n", "m"], x.SymbolicDims);
    }

    [Fact]
    public void String_tensor_round_trips_with_empty_unicode_and_nul_bytes()
    {
        byte[][] items =
        [
            [], Encoding.UTF8.GetBytes("héllo, 世界"), [(byte)'a', 0, (byte)'b'],
            Encoding.UTF8.GetBytes(new string('x', 10_000)), Encoding.UTF8.GetBytes("last"), [0],
        ];
        var input = Tensor.FromItems(DataType.String, [2, 3], [.. items.Select(i => (ReadOnlyMemory<byte>)i)]);
        using var session = OrtSession.FromBytes(Fixtures.Identity(DataType.String));

        var y = Assert.Single(session.Run([input]));

        Assert.Equal(DataType.String, y.DataType);
        Assert.Equal([2L, 3L], y.Dims);
        for (var i = 0; i < items.Length; i++)
        {
            Assert.Equal(items[i], y.GetItem(i).ToArray());
        }
        Assert.Equal("String", session.Inputs[0].TypeName);
    }

    [Fact]
    public void String_tensor_of_only_empty_items_round_trips()
    {
        using var session = OrtSession.FromBytes(Fixtures.Identity(DataType.String, "n"));

        var y = Assert.Single(session.Run([Tensor.FromStrings(["", "", ""])]));

        Assert.Equal(3, y.Items.Count);
        Assert.All(y.Items, item => Assert.True(item.IsEmpty));
    }

    [Fact]
    public void Bytes_tensors_travel_as_onnx_strings()
    {
        var input = Tensor.FromItems(DataType.Bytes, [2], [new byte[] { 0x00, 0x7F, 0xC3, 0xA9 }, new byte[] { 1 }]);
        using var session = OrtSession.FromBytes(Fixtures.Identity(DataType.String, "n"));

        var y = Assert.Single(session.Run([input]));

        Assert.Equal(DataType.String, y.DataType);
        Assert.Equal(new byte[] { 0x00, 0x7F, 0xC3, 0xA9 }, y.GetItem(0).ToArray());
        Assert.Equal(new byte[] { 1 }, y.GetItem(1).ToArray());
    }

    [Fact]
    public void String_outputs_that_are_not_utf8_come_back_with_the_replacement_character()
    {
        // ONNX Runtime's C# API reads string elements as UTF-8 text: a byte sequence that is not UTF-8 decodes to U+FFFD
        // (EF BF BD), the rest of the item stays exact. Inputs are set from their bytes and reach the model unchanged.
        var input = Tensor.FromItems(DataType.Bytes, [1], [new byte[] { 0xFF, 0x00, 0x7F }]);
        using var session = OrtSession.FromBytes(Fixtures.Identity(DataType.String, "n"));

        var y = Assert.Single(session.Run([input]));

        Assert.Equal(new byte[] { 0xEF, 0xBF, 0xBD, 0x00, 0x7F }, y.GetItem(0).ToArray());
    }

    [Fact]
    public void String_operator_runs_on_string_tensors()
    {
        using var session = OrtSession.FromBytes(Fixtures.StringUpper());

        var y = Assert.Single(session.Run([Tensor.FromStrings(["hello", "Serving", ""])]));

        Assert.Equal(["HELLO", "SERVING", ""], Enumerable.Range(0, 3).Select(i => y.GetString(i)));
    }

    [Fact]
    public void Empty_tensors_round_trip()
    {
        using var numeric = OrtSession.FromBytes(Fixtures.Identity(DataType.Float32));
        using var strings = OrtSession.FromBytes(Fixtures.Identity(DataType.String));

        var y = Assert.Single(numeric.Run([Tensor.Zeros<float>(0, 3)]));
        var s = Assert.Single(strings.Run([Tensor.FromItems(DataType.String, [3, 0], [])]));

        Assert.Equal([0L, 3L], y.Dims);
        Assert.Equal(0, y.ByteSize);
        Assert.Equal([3L, 0L], s.Dims);
        Assert.Empty(s.Items);
    }

    [Fact]
    public void Scalars_round_trip()
    {
        using var session = OrtSession.FromBytes(Fixtures.Identity(DataType.Int64, []));

        var y = Assert.Single(session.Run([Tensor.Scalar(42L)]));

        Assert.Empty(y.Dims);
        Assert.Equal(42L, y.ToScalar<long>());
    }

    [Fact]
    public void Cast_model_converts_float32_to_int32()
    {
        using var session = OrtSession.FromBytes(Fixtures.Cast(DataType.Float32, DataType.Int32));

        var y = Assert.Single(session.Run([Tensor.Create([1.9f, -2.5f, 3f], 1, 3)]));

        Assert.Equal(DataType.Int32, y.DataType);
        Assert.Equal([1, -2, 3], y.ToArray<int>());
    }

    /// <summary>Distinct, type-specific values (extremes included) for a rows×columns tensor.</summary>
    internal static Tensor Sample(DataType type, int rows, int columns)
    {
        var n = rows * columns;
        return type switch
        {
            DataType.Bool => Tensor.Create(Enumerable.Range(0, n).Select(i => i % 2 == 0).ToArray(), rows, columns),
            DataType.Int8 => Tensor.Create(Enumerable.Range(0, n).Select(i => (sbyte)(i == 0 ? sbyte.MinValue : i == 1 ? sbyte.MaxValue : -i)).ToArray(), rows, columns),
            DataType.UInt8 => Tensor.Create(Enumerable.Range(0, n).Select(i => (byte)(255 - i)).ToArray(), rows, columns),
            DataType.Int16 => Tensor.Create(Enumerable.Range(0, n).Select(i => (short)(i == 0 ? short.MinValue : -1000 * i)).ToArray(), rows, columns),
            DataType.UInt16 => Tensor.Create(Enumerable.Range(0, n).Select(i => (ushort)(ushort.MaxValue - i)).ToArray(), rows, columns),
            DataType.Int32 => Tensor.Create(Enumerable.Range(0, n).Select(i => i == 0 ? int.MinValue : -100_000 * i).ToArray(), rows, columns),
            DataType.UInt32 => Tensor.Create(Enumerable.Range(0, n).Select(i => uint.MaxValue - (uint)i).ToArray(), rows, columns),
            DataType.Int64 => Tensor.Create(Enumerable.Range(0, n).Select(i => i == 0 ? long.MinValue : long.MaxValue - i).ToArray(), rows, columns),
            DataType.UInt64 => Tensor.Create(Enumerable.Range(0, n).Select(i => ulong.MaxValue - (ulong)i).ToArray(), rows, columns),
            DataType.Float16 => Tensor.Create(Enumerable.Range(0, n).Select(i => (Half)(i * 0.5f - 1.25f)).ToArray(), rows, columns),
            DataType.Float32 => Tensor.Create(Enumerable.Range(0, n).Select(i => i == 0 ? float.MaxValue : i * -1.5e-20f).ToArray(), rows, columns),
            DataType.Float64 => Tensor.Create(Enumerable.Range(0, n).Select(i => i == 0 ? double.Epsilon : i * Math.PI).ToArray(), rows, columns),
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
        };
    }
}

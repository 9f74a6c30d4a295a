namespace SharpServing.Conformance.Tests;

/// <summary>
/// Output comparison as in ONNX's backend test (<c>numpy.testing.assert_allclose</c>, rtol 1e-3, atol 1e-7, NaN equal to
/// NaN) for floating types; exact equality for integers, bools and strings.
/// </summary>
internal static class TensorComparer
{
    public const double RelativeTolerance = 1e-3;
    public const double AbsoluteTolerance = 1e-7;

    /// <summary>Null when equal within tolerance, else what differs.</summary>
    public static string? Compare(Tensor expected, Tensor actual)
    {
        if (expected.DataType != actual.DataType)
        {
            return $"expected {expected.DataType}, got {actual.DataType}";
        }
        if (!expected.Shape.SequenceEqual(actual.Shape))
        {
            return $"expected shape {Tensor.FormatShape(expected.Shape)}, got {Tensor.FormatShape(actual.Shape)}";
        }
        return expected.DataType switch
        {
            DataType.Float16 => CompareFloats(expected.AsSpan<Half>(), actual.AsSpan<Half>(), h => (double)h),
            DataType.Float32 => CompareFloats(expected.AsSpan<float>(), actual.AsSpan<float>(), f => f),
            DataType.Float64 => CompareFloats(expected.AsSpan<double>(), actual.AsSpan<double>(), d => d),
            DataType.String or DataType.Bytes => CompareItems(expected, actual),
            _ => CompareBytes(expected, actual),
        };
    }

    private static string? CompareFloats<T>(ReadOnlySpan<T> expected, ReadOnlySpan<T> actual, Func<T, double> toDouble)
    {
        var mismatches = 0;
        var first = -1;
        for (var i = 0; i < expected.Length; i++)
        {
            double e = toDouble(expected[i]), a = toDouble(actual[i]);
            if (double.IsNaN(e) && double.IsNaN(a))
            {
                continue;
            }
            if (e == a)
            {
                continue; // also equal infinities
            }
            if (!(Math.Abs(a - e) <= AbsoluteTolerance + (RelativeTolerance * Math.Abs(e))))
            {
                mismatches++;
                first = first < 0 ? i : first;
            }
        }
        return mismatches == 0 ? null
            : $"{mismatches} of {expected.Length} elements differ; first at {first}: expected {toDouble(expected[first])}, got {toDouble(actual[first])}";
    }

    private static string? CompareBytes(Tensor expected, Tensor actual)
    {
        var e = expected.Data.Span;
        var a = actual.Data.Span;
        var at = e.CommonPrefixLength(a);
        if (at == e.Length)
        {
            return null;
        }
        var index = at / expected.DataType.ItemSize();
        return $"elements differ; first at {index}: expected {Element(expected, index)}, got {Element(actual, index)}";
    }

    private static string? CompareItems(Tensor expected, Tensor actual)
    {
        for (var i = 0; i < expected.Items.Count; i++)
        {
            if (!expected.Items[i].Span.SequenceEqual(actual.Items[i].Span))
            {
                return $"item {i} differs: expected '{expected.GetString(i)}', got '{actual.GetString(i)}'";
            }
        }
        return null;
    }

    private static string Element(Tensor tensor, int index)
        => tensor.Reshape(tensor.ElementCount).Cast(DataType.Float64).AsSpan<double>()[index].ToString(System.Globalization.CultureInfo.InvariantCulture);
}

namespace SharpServing.OnnxRuntime.Tests;

/// <summary>ORT's own code and message surface in <see cref="OrtException"/>; argument mistakes are argument exceptions.</summary>
public sealed class ErrorTests
{
    [Fact]
    public void Garbage_bytes_fail_with_ort_protobuf_error()
    {
        var garbage = Enumerable.Range(0, 1000).Select(i => (byte)(i * 37 + 11)).ToArray();

        var e = Assert.Throws<OrtException>(() => OrtSession.FromBytes(garbage));

        Assert.Equal(OrtErrorCode.InvalidProtobuf, e.Code);
        Assert.Contains("protobuf", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Garbage_file_fails_with_ort_protobuf_error()
    {
        using var temp = new TempFolder();
        var path = temp.File("bad.onnx");
        File.WriteAllText(path, "this is not an ONNX model");

        var e = Assert.Throws<OrtException>(() => OrtSession.FromFile(path));

        Assert.Equal(OrtErrorCode.InvalidProtobuf, e.Code);
    }

    [Fact]
    public void Missing_file_fails_with_no_such_file_and_the_path()
    {
        using var temp = new TempFolder();
        var path = temp.File("missing.onnx");

        var e = Assert.Throws<OrtException>(() => OrtSession.FromFile(path));

        Assert.Equal(OrtErrorCode.NoSuchFile, e.Code);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_input_data_type_surfaces_ort_message()
    {
        using var session = OrtSession.FromBytes(Fixtures.TensorAdd());

        var e = Assert.Throws<OrtException>(() => session.Run([Tensor.Create([1, 2, 3, 4], 2, 2), Tensor.Zeros<float>(2, 2)]));

        Assert.Equal(OrtErrorCode.InvalidArgument, e.Code);
        Assert.Contains("Unexpected input data type", e.Message, StringComparison.Ordinal);
        Assert.Contains("tensor(int32)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_input_shape_surfaces_ort_message()
    {
        using var session = OrtSession.FromBytes(Fixtures.TensorAdd());

        var e = Assert.Throws<OrtException>(() => session.Run([Tensor.Zeros<float>(3, 2), Tensor.Zeros<float>(2, 2)]));

        Assert.Equal(OrtErrorCode.InvalidArgument, e.Code);
        Assert.Contains("invalid dimensions", e.Message, StringComparison.Ordinal);
        Assert.Contains("x1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_rank_surfaces_ort_message()
    {
        using var session = OrtSession.FromBytes(Fixtures.TensorAdd());

        var e = Assert.Throws<OrtException>(() => session.Run([Tensor.Zeros<float>(4), Tensor.Zeros<float>(2, 2)]));

        Assert.Equal(OrtErrorCode.InvalidArgument, e.Code);
        Assert.Contains("rank", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Unknown_input_or_output_name_surfaces_ort_message()
    {
        using var session = OrtSession.FromBytes(Fixtures.TensorAdd());
        var zeros = Tensor.Zeros<float>(2, 2);

        var input = Assert.Throws<OrtException>(() => session.Run(["x1", "nope"], [zeros, zeros], ["y"]));
        var output = Assert.Throws<OrtException>(() => session.Run(["x1", "x2"], [zeros, zeros], ["nope"]));

        Assert.Contains("nope", input.Message, StringComparison.Ordinal);
        Assert.Contains("nope", output.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Argument_mistakes_are_argument_exceptions()
    {
        using var session = OrtSession.FromBytes(Fixtures.TensorAdd());
        var zeros = Tensor.Zeros<float>(2, 2);

        Assert.Throws<ArgumentException>(() => session.Run([zeros]));
        Assert.Throws<ArgumentException>(() => session.Run([zeros, null!]));
        Assert.Throws<ArgumentException>(() => session.Run(["x1"], [zeros, zeros], ["y"]));
        Assert.Throws<ArgumentException>(() => session.Run(["x1", "x2"], [zeros, zeros], []));
        Assert.Throws<ArgumentException>(() => session.Run(["x1", "x\0"], [zeros, zeros], ["y"]));
        Assert.Throws<ArgumentException>(() => OrtSession.FromFile(""));
    }

    [Fact]
    public void A_failed_run_leaves_the_session_usable()
    {
        using var session = OrtSession.FromBytes(Fixtures.TensorAdd());
        Assert.Throws<OrtException>(() => session.Run([Tensor.Zeros<float>(3, 2), Tensor.Zeros<float>(2, 2)]));

        var y = session.Run([Tensor.Create([1f, 2, 3, 4], 2, 2), Tensor.Zeros<float>(2, 2)])[0];

        Assert.Equal([1f, 2, 3, 4], y.ToArray<float>());
    }
}

using Xunit.Abstractions;

namespace SharpServing.OnnxRuntime.Tests;

/// <summary>The example servables' models (installed by the setup) open with the I/O the servables rely on, and run.</summary>
public sealed class RealModelTests(ITestOutputHelper output)
{
    private static readonly ModelSessionOptions s_options = new() { IntraOpThreads = 2 };

    [Fact]
    public void Ocr_detection_takes_any_size_nchw_image_and_returns_a_probability_map()
    {
        using var session = OrtSession.FromFile(TestPaths.Model("ocr/det.onnx"), s_options);
        Describe(session);

        var x = Assert.Single(session.Inputs);
        Assert.Equal("x", x.Name);
        Assert.Equal(DataType.Float32, x.DataType);
        Assert.Equal([-1L, 3, -1, -1], x.Shape);

        var map = Assert.Single(session.Run([Tensor.Zeros<float>(1, 3, 64, 96)]));
        Assert.Equal([1L, 1, 64, 96], map.Dims);
        Assert.All(map.ToArray<float>(), p => Assert.InRange(p, 0f, 1f));
    }

    [Fact]
    public void Ocr_direction_classifier_scores_two_angles()
    {
        using var session = OrtSession.FromFile(TestPaths.Model("ocr/cls.onnx"), s_options);
        Describe(session);

        var x = Assert.Single(session.Inputs);
        Assert.Equal("x", x.Name);
        Assert.Equal([-1L, 3, -1, -1], x.Shape);

        var scores = Assert.Single(session.Run([Tensor.Zeros<float>(2, 3, 48, 192)]));
        Assert.Equal([2L, 2], scores.Dims);
    }

    [Fact]
    public void Ocr_recognizer_returns_ctc_scores_over_6625_classes()
    {
        using var session = OrtSession.FromFile(TestPaths.Model("ocr/rec.onnx"), s_options);
        Describe(session);

        var x = Assert.Single(session.Inputs);
        Assert.Equal("x", x.Name);
        Assert.Equal(DataType.Float32, x.DataType);
        Assert.Equal(4, x.Shape.Count);
        Assert.Equal([3L, 48], x.Shape.Skip(1).Take(2));

        var scores = Assert.Single(session.Run([Tensor.Zeros<float>(1, 3, 48, 320)]));
        Assert.Equal([1L, 40, 6625], scores.Dims);
    }

    [Fact]
    public void Blazeface_takes_nhwc_128_and_returns_two_score_and_two_box_tensors()
    {
        using var session = OrtSession.FromFile(TestPaths.Model("face_detect/blazeface.onnx"), s_options);
        Describe(session);

        var x = Assert.Single(session.Inputs);
        Assert.Equal("input:0", x.Name);
        Assert.Equal([1L, 128, 128, 3], x.Shape);
        Assert.Equal(4, session.Outputs.Count);

        var outputs = session.Run([Tensor.Zeros<float>(1, 128, 128, 3)]);
        // Scores for the 512 stride-8 anchors, then the 384 stride-16 ones; then boxes with 6 keypoints, same order.
        Assert.Equal(["[1, 512, 1]", "[1, 384, 1]", "[1, 512, 16]", "[1, 384, 16]"], outputs.Select(o => Tensor.FormatShape(o.Shape)));
        Assert.Equal([.. session.Outputs.Select(o => o.Shape)], outputs.Select(o => o.Dims));
    }

    [Fact]
    public void Silero_vad_has_a_stateful_signature_with_a_scalar_sample_rate()
    {
        using var session = OrtSession.FromFile(TestPaths.Model("vad/silero_vad.onnx"), s_options);
        Describe(session);

        Assert.Equal(["input", "state", "sr"], session.Inputs.Select(i => i.Name));
        Assert.Equal(["output", "stateN"], session.Outputs.Select(o => o.Name));
        var sr = session.Inputs[2];
        Assert.Equal(DataType.Int64, sr.DataType);
        Assert.Empty(sr.Shape);
        Assert.Equal([2L, -1, 128], session.Inputs[1].Shape);

        var outputs = session.Run([Tensor.Zeros<float>(1, 512), Tensor.Zeros<float>(2, 1, 128), Tensor.Scalar(16000L)]);
        Assert.Equal([1L, 1], outputs[0].Dims);
        Assert.InRange(outputs[0].ToScalar<float>(), 0f, 0.5f);
        Assert.Equal([2L, 1, 128], outputs[1].Dims);
    }

    private void Describe(OrtSession session)
    {
        output.WriteLine("inputs:  " + string.Join("; ", session.Inputs.Select(i => $"{i} ({string.Join(",", i.SymbolicDims.Select(s => s ?? "-"))})")));
        output.WriteLine("outputs: " + string.Join("; ", session.Outputs.Select(o => $"{o} ({string.Join(",", o.SymbolicDims.Select(s => s ?? "-"))})")));
    }
}

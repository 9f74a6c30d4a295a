namespace SharpServing.Conformance.Tests;

public sealed class TensorComparerTests
{
    [Fact]
    public void Floats_WithinRelativeToleranceOrBothNaN_AreEqual()
    {
        var expected = Tensor.Create(new float[] { 1000f, float.NaN, float.PositiveInfinity, 0f }, 4);
        var close = Tensor.Create(new float[] { 1000.99f, float.NaN, float.PositiveInfinity, 1e-8f }, 4);
        var far = Tensor.Create(new float[] { 1001.1f, float.NaN, float.PositiveInfinity, 0f }, 4);
        var nanVersusNumber = Tensor.Create(new float[] { 1000f, 0f, float.PositiveInfinity, 0f }, 4);

        Assert.Null(TensorComparer.Compare(expected, close));
        Assert.Contains("first at 0", TensorComparer.Compare(expected, far), StringComparison.Ordinal);
        Assert.Contains("first at 1", TensorComparer.Compare(expected, nanVersusNumber), StringComparison.Ordinal);
    }

    [Fact]
    public void TypesShapesIntegersAndStrings_MustMatchExactly()
    {
        var ints = Tensor.Create(new long[] { 1, 2, 3, 4 }, 2, 2);

        Assert.Null(TensorComparer.Compare(ints, ints.Clone()));
        Assert.NotNull(TensorComparer.Compare(ints, ints.Reshape(4)));
        Assert.NotNull(TensorComparer.Compare(ints, ints.Cast<int>()));
        Assert.NotNull(TensorComparer.Compare(ints, Tensor.Create(new long[] { 1, 2, 3, 5 }, 2, 2)));
        Assert.NotNull(TensorComparer.Compare(Tensor.FromStrings(["a", "b"]), Tensor.FromStrings(["a", "c"])));
    }

    [Fact]
    public void RealCase_PassesAndAPerturbedExpectationFails()
    {
        var test = ConformanceCase.InSuite("node").Single(c => c.Id == "node/test_abs");

        var outcome = ConformanceRunner.Run(test);

        Assert.Equal(OutcomeKind.Passed, outcome.Kind);
        var expected = SharpServing.ModelFixtures.OnnxTensors.ReadFile(Path.Combine(test.Directory, "test_data_set_0", "output_0.pb"));
        var perturbed = expected.Clone();
        perturbed.AsWritableSpan<float>()[0] += 0.01f;
        Assert.NotNull(TensorComparer.Compare(expected, perturbed));
    }
}

using System.Runtime.InteropServices;
using Google.Protobuf;
using SharpServing.ModelFixtures;
using SharpServing.ModelFixtures.Onnx;

namespace SharpServing.OnnxRuntime.Tests;

/// <summary>The fixture tool: its models, its TensorProto conversions (checked against ONNX's own test data), its CLI.</summary>
public sealed class ModelFixturesTests
{
    private const string OnnxTestData = "/usr/share/libonnx-testdata/data/node";

    [Fact]
    public void Every_catalog_model_opens_in_onnx_runtime_with_ir_8_and_opset_13()
    {
        foreach (var fixture in Fixtures.Catalog)
        {
            var bytes = fixture.Create();
            var model = ModelProto.Parser.ParseFrom(bytes);
            Assert.Equal(8, model.IrVersion);
            Assert.Equal(13, Assert.Single(model.OpsetImport).Version);

            using var session = OrtSession.FromBytes(bytes);
            Assert.Equal(model.Graph.Input.Select(i => i.Name), session.Inputs.Select(i => i.Name));
            Assert.Equal(model.Graph.Output.Select(o => o.Name), session.Outputs.Select(o => o.Name));
        }
        Assert.Equal(Fixtures.Catalog.Count, Fixtures.Catalog.Select(f => f.Name).Distinct().Count());
    }

    [Fact]
    public void Dense_model_multiplies_by_its_documented_weights()
    {
        using var session = OrtSession.FromBytes(Fixtures.Dense(3, 2));
        var x = new[] { 1f, 2, 3 };

        var y = session.Run([Tensor.Create(x, 1, 3)])[0].ToArray<float>();

        for (var j = 0; j < 2; j++)
        {
            var expected = Enumerable.Range(0, 3).Sum(i => x[i] * Fixtures.DenseWeight(i, j));
            Assert.Equal(expected, y[j], 5);
        }
    }

    [Theory]
    [MemberData(nameof(DataTypeRoundTripTests.NumericTypes), MemberType = typeof(DataTypeRoundTripTests))]
    public void TensorProto_round_trips_numeric_tensors_through_raw_data(DataType type)
    {
        var tensor = DataTypeRoundTripTests.Sample(type, 2, 3);

        var proto = TensorProto.Parser.ParseFrom(OnnxTensors.FromTensor(tensor, "t").ToByteArray());

        Assert.False(proto.RawData.IsEmpty);
        Assert.Equal(tensor, OnnxTensors.ToTensor(proto));
    }

    [Fact]
    public void TensorProto_reads_the_typed_data_fields()
    {
        var floats = new TensorProto { DataType = (int)TensorProto.Types.DataType.Float, Dims = { 2 }, FloatData = { 1.5f, -2 } };
        var halves = new TensorProto { DataType = (int)TensorProto.Types.DataType.Float16, Dims = { 1 }, Int32Data = { BitConverter.HalfToInt16Bits((Half)0.5f) } };
        var bools = new TensorProto { DataType = (int)TensorProto.Types.DataType.Bool, Dims = { 3 }, Int32Data = { 1, 0, 1 } };
        var uints = new TensorProto { DataType = (int)TensorProto.Types.DataType.Uint32, Dims = { 1 }, Uint64Data = { uint.MaxValue } };
        var strings = new TensorProto { DataType = (int)TensorProto.Types.DataType.String, Dims = { 2 }, StringData = { ByteString.CopyFromUtf8("a"), ByteString.Empty } };

        Assert.Equal([1.5f, -2], OnnxTensors.ToTensor(floats).ToArray<float>());
        Assert.Equal((Half)0.5f, OnnxTensors.ToTensor(halves).ToScalar<Half>());
        Assert.Equal([true, false, true], OnnxTensors.ToTensor(bools).ToArray<bool>());
        Assert.Equal(uint.MaxValue, OnnxTensors.ToTensor(uints).ToScalar<uint>());
        Assert.Equal("a", OnnxTensors.ToTensor(strings).GetString(0));
        Assert.Throws<InvalidDataException>(() => OnnxTensors.ToTensor(new TensorProto { DataType = 1, Dims = { 3 }, FloatData = { 1f } }));
        Assert.Throws<NotSupportedException>(() => OnnxTensors.ToTensor(new TensorProto { DataType = (int)TensorProto.Types.DataType.Bfloat16, Dims = { 1 } }));
    }

    [Theory]
    [InlineData("test_add")]
    [InlineData("test_matmul_2d")]
    [InlineData("test_cast_FLOAT_to_DOUBLE")]
    [InlineData("test_identity")]
    [InlineData("test_strnormalizer_export_monday_casesensintive_upper")]
    [InlineData("test_reduce_sum_keepdims_example")]
    public void Onnx_conformance_case_reads_and_runs(string name)
    {
        var folder = Path.Combine(OnnxTestData, name);
        Assert.True(Directory.Exists(folder), $"{folder} is missing: install the Debian package libonnx-testdata (./test.sh does).");
        var modelPath = Path.Combine(folder, "model.onnx");
        var data = Path.Combine(folder, "test_data_set_0");
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(modelPath));
        using var session = OrtSession.FromFile(modelPath);
        var inputCount = Directory.GetFiles(data, "input_*.pb").Length;
        var inputs = Enumerable.Range(0, inputCount).Select(i => OnnxTensors.ReadFile(Path.Combine(data, $"input_{i}.pb"))).ToArray();
        var expected = Enumerable.Range(0, session.Outputs.Count).Select(i => OnnxTensors.ReadFile(Path.Combine(data, $"output_{i}.pb"))).ToArray();

        var actual = session.Run([.. model.Graph.Input.Select(i => i.Name).Take(inputCount)], inputs, [.. session.Outputs.Select(o => o.Name)]);

        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].DataType, actual[i].DataType);
            Assert.Equal(expected[i].Dims, actual[i].Dims);
            if (expected[i].DataType is DataType.Float32 or DataType.Float64)
            {
                var e = expected[i].Cast<double>().ToArray<double>();
                var a = actual[i].Cast<double>().ToArray<double>();
                Assert.All(e.Zip(a), p => Assert.True(Math.Abs(p.First - p.Second) <= 1e-4 * Math.Max(1, Math.Abs(p.First)), $"{p.First} vs {p.Second}"));
            }
            else
            {
                Assert.Equal(expected[i], actual[i]);
            }
        }
    }

    [Fact]
    public async Task Cli_writes_tensor_add_and_lists_the_catalog()
    {
        using var temp = new TempFolder();
        var tool = Path.Combine(AppContext.BaseDirectory, "SharpServing.ModelFixtures.dll");
        var path = Path.Combine(temp.Path, "sub", "tensor_add.onnx");

        var write = await ChildProcess.DotnetExecAsync(tool, ["add", path]);
        var list = await ChildProcess.DotnetExecAsync(tool, ["list"]);
        var unknown = await ChildProcess.DotnetExecAsync(tool, ["nope", path]);

        Assert.Equal(0, write.ExitCode);
        Assert.Equal(Fixtures.TensorAdd(), File.ReadAllBytes(path));
        using (var session = OrtSession.FromFile(path))
        {
            Assert.Equal(["x1", "x2"], session.Inputs.Select(i => i.Name));
            Assert.Equal([2L, 2], session.Inputs[0].Shape);
        }
        Assert.Equal(0, list.ExitCode);
        Assert.All(Fixtures.Catalog, f => Assert.Contains(f.Name, list.StdOut, StringComparison.Ordinal));
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("Unknown model 'nope'", unknown.StdErr, StringComparison.Ordinal);
    }
}

using SharpServing.ModelFixtures;
using SharpServing.ModelFixtures.Onnx;
using SharpServing.OnnxRuntime;

namespace SharpServing.Conformance.Tests;

/// <summary>Runs one case the way ONNX's backend test does: every data set, every output compared within tolerance.</summary>
internal static class ConformanceRunner
{
    private static readonly TimeSpan s_caseTimeout = TimeSpan.FromSeconds(60);

    public static Outcome Run(ConformanceCase test)
    {
        OrtSession session;
        try
        {
            session = OrtSession.FromFile(Path.Combine(test.Directory, "model.onnx"),
                new ModelSessionOptions { IntraOpThreads = 1, InterOpThreads = 1 });
        }
        catch (ModelRuntimeException e)
        {
            return Outcome.Fail(test, $"load: {OneLine(e.Message)}");
        }
        using (session)
        {
            var unsupported = session.Inputs.Concat(session.Outputs).FirstOrDefault(v => !v.IsSupported);
            if (unsupported is not null)
            {
                return Outcome.Skip(test, $"{unsupported.Name} is {unsupported.TypeName}");
            }
            var dataSets = Directory.GetDirectories(test.Directory, "test_data_set_*").Order(StringComparer.Ordinal).ToArray();
            if (dataSets.Length == 0)
            {
                return Outcome.Fail(test, "no test_data_set_* folder");
            }
            foreach (var dataSet in dataSets)
            {
                var failure = RunDataSet(session, dataSet);
                if (failure is not null)
                {
                    return Outcome.Fail(test, $"{Path.GetFileName(dataSet)}: {failure}");
                }
            }
            return Outcome.Pass(test);
        }
    }

    private static string? RunDataSet(OrtSession session, string dataSet)
    {
        var (inputNames, inputs) = ReadValues(dataSet, "input", session.Inputs);
        var (outputNames, expected) = ReadValues(dataSet, "output", session.Outputs);
        IReadOnlyList<Tensor> actual;
        using var timeout = new CancellationTokenSource(s_caseTimeout);
        try
        {
            actual = session.Run(inputNames, inputs, outputNames, timeout.Token);
        }
        catch (OrtException e)
        {
            return $"run: {OneLine(e.Message)}";
        }
        catch (OperationCanceledException)
        {
            return $"run: took longer than {s_caseTimeout.TotalSeconds} s";
        }
        for (var i = 0; i < expected.Length; i++)
        {
            var difference = TensorComparer.Compare(expected[i], actual[i]);
            if (difference is not null)
            {
                return $"output '{outputNames[i]}': {difference}";
            }
        }
        return null;
    }

    /// <summary>
    /// Reads <c>{prefix}_N.pb</c> in order. Each value is matched to the model by the name in its proto when it has one
    /// the model knows, else by position (files may leave out trailing optional inputs).
    /// </summary>
    private static (string[] Names, Tensor[] Values) ReadValues(string dataSet, string prefix, IReadOnlyList<ModelValueInfo> nodes)
    {
        var names = new List<string>();
        var values = new List<Tensor>();
        for (var i = 0; ; i++)
        {
            var path = Path.Combine(dataSet, $"{prefix}_{i}.pb");
            if (!File.Exists(path))
            {
                break;
            }
            var proto = TensorProto.Parser.ParseFrom(File.ReadAllBytes(path));
            var name = nodes.Any(n => n.Name == proto.Name) ? proto.Name
                : i < nodes.Count ? nodes[i].Name
                : throw new InvalidDataException($"{path} has no matching model {prefix}.");
            names.Add(name);
            values.Add(OnnxTensors.ToTensor(proto));
        }
        return ([.. names], [.. values]);
    }

    private static string OneLine(string text)
    {
        var line = text.ReplaceLineEndings(" ");
        return line.Length <= 300 ? line : line[..300] + "…";
    }
}

using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using SharpServing.OnnxRuntime;

namespace SharpServing.Examples.Tests;

/// <summary>
/// Loads one version of an example servable the way the server does (its <c>servable_config.csx</c> compiled by Roslyn
/// with the registration API as globals, or its compiled plugin) and runs a method's traced stages for one instance,
/// calling the real models through ONNX Runtime. Stands in for the engine's loader and dispatcher in these tests until
/// they can run servables in-process.
/// </summary>
internal sealed class ServableHarness : IModelInvoker, IDisposable
{
    private readonly Dictionary<Model, OrtSession> _sessions = [];
    private readonly ServableBuilder _builder;

    private ServableHarness(string servable, long version)
    {
        var directory = Path.Combine(TestPaths.Servables, servable);
        var versionDirectory = Path.Combine(directory, version.ToString());
        _builder = new ServableBuilder(servable, version, versionDirectory, (model, subgraph) => Open(model, subgraph, versionDirectory));
        var script = Path.Combine(directory, "servable_config.csx");
        if (File.Exists(script))
        {
            RunScript(script);
        }
        else
        {
            var plugin = Directory.GetFiles(Path.Combine(directory, "plugin"), "*.dll").Single();
            var configurator = Assembly.LoadFrom(plugin).GetExportedTypes()
                .Single(t => typeof(IServableConfigurator).IsAssignableFrom(t) && !t.IsAbstract);
            ((IServableConfigurator)Activator.CreateInstance(configurator)!).Configure(_builder);
        }
        foreach (var model in _builder.Models)
        {
            model.Bind(this);
        }
    }

    public IReadOnlyList<MethodDefinition> Methods => _builder.Methods;

    public static ServableHarness Load(string servable, long version = 1) => new(servable, version);

    /// <summary>Runs one instance of <paramref name="method"/>; returns its outputs by name.</summary>
    public IReadOnlyDictionary<string, Tensor> Run(string method, params Tensor[] inputs)
    {
        var definition = _builder.Methods.Single(m => m.Name == method);
        Assert.Equal(definition.Inputs.Count, inputs.Length);
        var values = new Dictionary<StageInput, Tensor>();
        for (var i = 0; i < inputs.Length; i++)
        {
            values[new StageInput(0, i)] = inputs[i];
        }
        foreach (var stage in definition.Stages)
        {
            var args = stage.Inputs.Select(source => values[source]).ToArray();
            var outputs = stage switch
            {
                ModelStage model => Invoke(model.Model, [args], model.Subgraph, default)[0],
                FunctionStage function => RunFunction(function, args),
                _ => throw new NotSupportedException(stage.GetType().Name),
            };
            Assert.Equal(stage.OutputsCount, outputs.Length);
            for (var i = 0; i < outputs.Length; i++)
            {
                values[new StageInput(stage.Index, i)] = outputs[i];
            }
        }
        return definition.Outputs.Select((name, i) => (name, values[definition.OutputSources[i]])).ToDictionary(p => p.name, p => p.Item2);
    }

    public IReadOnlyList<Tensor[]> Invoke(Model model, IReadOnlyList<Tensor[]> instances, int subgraph, CancellationToken cancellationToken)
    {
        var session = _sessions[model];
        if (!model.WithBatchDim)
        {
            return [.. instances.Select(instance => session.Run(instance, cancellationToken).ToArray())];
        }
        var inputs = new Tensor[instances[0].Length];
        for (var j = 0; j < inputs.Length; j++)
        {
            var first = instances[0][j];
            if (model.WithoutBatchDimInputs.Contains(j))
            {
                inputs[j] = first;
                continue;
            }
            var stacked = new byte[first.ByteSize * instances.Count];
            for (var i = 0; i < instances.Count; i++)
            {
                Assert.True(instances[i][j].Shape.SequenceEqual(first.Shape), "instances of one batch must have one shape");
                instances[i][j].Data.Span.CopyTo(stacked.AsSpan((int)(i * first.ByteSize)));
            }
            inputs[j] = Tensor.FromMemory(first.DataType, [instances.Count, .. first.Shape], stacked);
        }
        var outputs = session.Run(inputs, cancellationToken);
        return [.. Enumerable.Range(0, instances.Count).Select(i => outputs.Select(o =>
        {
            var rowBytes = o.Data.Length / instances.Count;
            return Tensor.FromMemory(o.DataType, o.Shape[1..], o.Data.Slice(i * rowBytes, rowBytes));
        }).ToArray())];
    }

    public void Dispose()
    {
        foreach (var session in _sessions.Values)
        {
            session.Dispose();
        }
    }

    private void RunScript(string path)
    {
        var tree = CSharpSyntaxTree.ParseText(File.ReadAllText(path), new CSharpParseOptions(LanguageVersion.Latest, kind: SourceCodeKind.Script), path);
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Append(typeof(ServableBuilder).Assembly.Location).Distinct().Select(p => MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.CreateScriptCompilation($"servable-{Guid.NewGuid():N}", tree, references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary),
            globalsType: typeof(ServableBuilder));
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        var problems = result.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(d => d.ToString()).ToList();
        Assert.True(problems.Count == 0, string.Join('\n', problems));
        var entry = compilation.GetEntryPoint(default)!;
        var factory = Assembly.Load(image.ToArray()).GetType(entry.ContainingType.MetadataName)!.GetMethod(entry.MetadataName)!;
        var run = (Task<object>)factory.Invoke(null, [new object?[] { _builder, null }])!;
        Assert.True(run.Wait(TimeSpan.FromSeconds(30)), "the configuration script did not finish");
    }

    private ModelSignature Open(Model model, int subgraph, string versionDirectory)
    {
        var session = OrtSession.FromFile(Path.Combine(versionDirectory, model.Files[subgraph]), new OrtSessionOptions { IntraOpThreads = 2 });
        _sessions[model] = session;
        static TensorSpec Spec(OrtNodeInfo node) => new(node.Name, DataType.Float32, [.. node.Shape]);
        return new ModelSignature([.. session.Inputs.Select(Spec)], [.. session.Outputs.Select(Spec)]);
    }

    private static Tensor[] RunFunction(FunctionStage stage, Tensor[] args)
    {
        var parameters = stage.Function.Method.GetParameters();
        var arguments = args.Select((tensor, i) => parameters[i].ParameterType switch
        {
            var t when t == typeof(Tensor) => tensor,
            var t when t == typeof(byte[]) => tensor.GetItem().ToArray(),
            var t when t == typeof(float[]) => tensor.ToArray<float>(),
            var t when t == typeof(string) => (object)tensor.GetString(),
            var t => throw new NotSupportedException($"parameter type {t}"),
        }).ToArray();
        var result = stage.Function.DynamicInvoke(arguments)!;
        return result is ITuple tuple && stage.OutputsCount > 1
            ? [.. Enumerable.Range(0, tuple.Length).Select(i => ToTensor(tuple[i]!))]
            : [ToTensor(result)];
    }

    private static Tensor ToTensor(object value) => value switch
    {
        Tensor tensor => tensor,
        string text => Tensor.FromString(text),
        float[] array => Tensor.Create(array, array.Length),
        _ => throw new NotSupportedException($"result type {value.GetType()}"),
    };
}

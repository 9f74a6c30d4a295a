using Microsoft.Extensions.Logging;

namespace SharpServing.Engine.Tests.Execution;

/// <summary>
/// A servable version built the way the loader builds one, without a folder: the configuration runs on a real
/// <see cref="ServableBuilder"/>, models open as real ONNX Runtime sessions from fixture bytes (or as managed sessions of
/// <see cref="ManagedModels"/> where a test is about batching and execution, not the runtime), and requests go through a
/// real <see cref="Dispatcher"/>.
/// </summary>
internal sealed class TestServable : IServableCatalog, IAsyncDisposable
{
    public static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(30);

    private TestServable(ServableVersion version, IReadOnlyList<Model> models, ExecutionOptions options, ILoggerFactory? logs)
    {
        Version = version;
        Models = models;
        Dispatcher = new Dispatcher(this, options, logs);
    }

    public ServableVersion Version { get; }

    public Dispatcher Dispatcher { get; }

    public IReadOnlyList<Model> Models { get; }

    public ServableExecutor Executor => Version.Executor;

    public static TestServable Create(Action<ServableBuilder> configure, IReadOnlyDictionary<string, byte[]>? models = null,
        ExecutionOptions? options = null, TimeProvider? time = null, ILoggerFactory? logs = null, string name = "svc")
        => Create(configure, file => OrtSession.FromBytes(models![file]), options, time, logs, name);

    /// <summary>As above, each model file opened by <paramref name="open"/> (file name → session).</summary>
    public static TestServable Create(Action<ServableBuilder> configure, Func<string, IModelSession> open,
        ExecutionOptions? options = null, TimeProvider? time = null, ILoggerFactory? logs = null, string name = "svc")
    {
        options ??= new ExecutionOptions();
        var sessions = new Dictionary<Model, List<IModelSession>>();
        try
        {
            var builder = new ServableBuilder(name, 1, "/nonexistent", (model, subgraph) =>
            {
                var session = open(model.Files[subgraph]);
                if (!sessions.TryGetValue(model, out var list))
                {
                    sessions[model] = list = [];
                }
                list.Add(session);
                return new ModelSignature([.. session.Inputs.Select(i => i.ToSpec())], [.. session.Outputs.Select(o => o.ToSpec())]);
            });
            configure(builder);
            var loaded = builder.Models.Select(m => new LoadedModel(m, m.Signatures!, [sessions[m]], DeviceType.Cpu, [0])).ToList();
            var version = new ServableVersion(name, 1, "/nonexistent", builder.Methods, loaded, null, options, time, logs);
            return new TestServable(version, builder.Models, options, logs);
        }
        catch
        {
            foreach (var session in sessions.Values.SelectMany(s => s))
            {
                session.Dispose();
            }
            throw;
        }
    }

    public bool TryGetVersion(string servable, ulong version, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ServableVersion? servableVersion)
    {
        servableVersion = servable == Version.Name && (version == 0 || version == (ulong)Version.Number) ? Version : null;
        return servableVersion is not null;
    }

    public bool Contains(string servable) => servable == Version.Name;

    /// <summary>Sends a request through the dispatcher (with the test timeout).</summary>
    public Task<InferReply> PredictAsync(string method, params IReadOnlyDictionary<string, RequestInput>[] instances)
        => PredictAsync(method, CancellationToken.None, instances);

    public Task<InferReply> PredictAsync(string method, CancellationToken cancellationToken, params IReadOnlyDictionary<string, RequestInput>[] instances)
        => Dispatcher.PredictAsync(new InferRequest(Version.Name, method, 0, instances), cancellationToken).WaitAsync(TestTimeout);

    public ValueTask DisposeAsync() => Version.DisposeAsync();

    /// <summary>One instance: input name → tensor.</summary>
    public static Dictionary<string, RequestInput> Instance(params (string Name, Tensor Value)[] inputs)
        => inputs.ToDictionary(i => i.Name, i => RequestInput.Valid(i.Value));

    public static Tensor Floats(float value, params long[] shape)
    {
        var count = shape.Aggregate(1L, (a, b) => a * b);
        return Tensor.Create(Enumerable.Repeat(value, (int)count).ToArray(), shape);
    }

    public static Tensor Floats(float[] values, params long[] shape) => Tensor.Create(values, shape);
}

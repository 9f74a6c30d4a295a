using SharpServing.Engine;
using SharpServing.Engine.Configuration;
using SharpServing.Engine.Repository;

namespace SharpServing.Examples.Tests;

/// <summary>
/// The example servables loaded from <c>servables/</c> by the engine's real <see cref="ServableManager"/> (scripts
/// compiled by its loader, the plugin loaded from <c>plugin/</c>, models opened in ONNX Runtime) and called through
/// its <see cref="Dispatcher"/>, in-process: what the gRPC and REST front ends do for a request.
/// </summary>
public sealed class ExampleServables : IAsyncDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private readonly ServableManager _manager;
    private readonly Dispatcher _dispatcher;

    private ExampleServables(ServableManager manager)
    {
        _manager = manager;
        _dispatcher = new Dispatcher(manager, new ExecutionOptions());
    }

    public IReadOnlyList<ServableVersion> Versions => _manager.Versions;

    /// <summary>Loads the given versions (0: the highest) of example servables and waits until every one is available.</summary>
    public static async Task<ExampleServables> StartAsync(params (string Servable, long Version)[] servables)
    {
        var configuration = new ServingConfiguration { UseCompileCache = false };
        foreach (var (servable, version) in servables)
        {
            configuration.Servables.Add(new ServableStartConfig(TestPaths.Servables, servable) { VersionNumber = version });
        }
        var manager = new ServableManager(configuration, OrtModelRuntime.Instance);
        try
        {
            using var timeout = new CancellationTokenSource(s_timeout);
            var status = await manager.StartAsync(timeout.Token);
            Assert.All(status, s => Assert.True(s.State == ServableVersionState.Available, $"{s.Servable} {s.Version}: {s.State} {s.Error}"));
            return new ExampleServables(manager);
        }
        catch
        {
            await manager.DisposeAsync();
            throw;
        }
    }

    /// <summary>Calls <paramref name="servable"/>.<paramref name="method"/> with one instance; returns its outputs by name,
    /// or fails the test with the serving error.</summary>
    public async Task<IReadOnlyDictionary<string, Tensor>> RunAsync(string servable, string method, IReadOnlyDictionary<string, Tensor> inputs, ulong version = 0)
    {
        var reply = await CallAsync(servable, method, inputs, version);
        Assert.Null(reply.Error);
        var instance = Assert.Single(reply.Instances);
        Assert.True(instance.Error is null, instance.Error?.ToString());
        return instance.Outputs!.ToDictionary(o => o.Key, o => o.Value);
    }

    /// <summary>Calls a method with one instance and returns the whole reply, errors included.</summary>
    public async Task<InferReply> CallAsync(string servable, string method, IReadOnlyDictionary<string, Tensor> inputs, ulong version = 0)
    {
        var instance = inputs.ToDictionary(p => p.Key, p => RequestInput.Valid(p.Value));
        using var timeout = new CancellationTokenSource(s_timeout);
        return await _dispatcher.PredictAsync(new InferRequest(servable, method, version, [instance]), timeout.Token).WaitAsync(s_timeout);
    }

    public ValueTask DisposeAsync() => _manager.DisposeAsync();
}

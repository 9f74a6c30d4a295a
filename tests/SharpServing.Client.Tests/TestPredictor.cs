using SharpServing.Engine;

namespace SharpServing.ClientTests;

/// <summary>
/// The servable behind the test server. Methods: <c>add</c> (float32 x1 + x2 → y), <c>echo</c> (every input back as an
/// output), <c>partial</c> (an instance with input <c>fail</c> fails with its own text), <c>fail_all</c> (every instance
/// fails the same way: the reply collapses), <c>slow</c> (waits for cancellation). Any other method is unknown.
/// </summary>
internal sealed class TestPredictor : IPredictor
{
    private readonly TaskCompletionSource _slowStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _slowCancelled = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The last request seen.</summary>
    public InferRequest? LastRequest { get; private set; }

    /// <summary>Completes when a <c>slow</c> call has started.</summary>
    public Task SlowStarted => _slowStarted.Task;

    /// <summary>Completes when a <c>slow</c> call saw its cancellation (client gone or deadline passed).</summary>
    public Task SlowCancelled => _slowCancelled.Task;

    public Task<InferReply> PredictAsync(InferRequest request, CancellationToken cancellationToken)
    {
        LastRequest = request;
        return request.Method switch
        {
            "add" => Task.FromResult(Each(request, Add)),
            "echo" => Task.FromResult(Each(request, (_, inputs) => Success([.. inputs.Select(i => KeyValuePair.Create(i.Key, i.Value.Tensor!))]))),
            "partial" => Task.FromResult(Each(request, (i, inputs) => inputs.ContainsKey("fail")
                ? InstanceResult.Failure(new ServingError(ErrorCode.SystemError, $"instance {i} failed"))
                : Success([KeyValuePair.Create("y", inputs["x"].Tensor!)]))),
            "fail_all" => Task.FromResult(Each(request, (_, _) => InstanceResult.Failure(new ServingError(ErrorCode.SystemError, "every instance failed")))),
            "slow" => SlowAsync(cancellationToken),
            _ => Task.FromResult(InferReply.Failure(new ServingError(ErrorCode.InvalidInputs,
                $"Request servable({request.Servable}) method({request.Method}) , method is not available"))),
        };
    }

    private static InferReply Each(InferRequest request, Func<int, IReadOnlyDictionary<string, RequestInput>, InstanceResult> run)
    {
        if (request.Instances.Count == 0)
        {
            return InferReply.Failure(new ServingError(ErrorCode.InvalidInputs,
                $"Instances count of request cannot be 0, servable: {request.Servable}, method: {request.Method}"));
        }
        foreach (var instance in request.Instances)
        {
            foreach (var (name, input) in instance)
            {
                if (input.InvalidDetail is { } detail)
                {
                    return InferReply.Failure(new ServingError(ErrorCode.InvalidInputs, $"Instances input {name} check failed, detail: {detail}"));
                }
            }
        }
        return InferReply.Create([.. request.Instances.Select((instance, i) => run(i, instance))]);
    }

    private static InstanceResult Add(int index, IReadOnlyDictionary<string, RequestInput> inputs)
    {
        var x1 = inputs["x1"].Tensor!;
        var x2 = inputs["x2"].Tensor!;
        var a = x1.AsSpan<float>();
        var b = x2.AsSpan<float>();
        var y = new float[a.Length];
        for (var i = 0; i < y.Length; i++)
        {
            y[i] = a[i] + b[i];
        }
        return Success([KeyValuePair.Create("y", Tensor.Create(y, x1.Shape.ToArray()))]);
    }

    private async Task<InferReply> SlowAsync(CancellationToken cancellationToken)
    {
        _slowStarted.TrySetResult();
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            _slowCancelled.TrySetResult();
            throw;
        }
        throw new InvalidOperationException("unreachable");
    }

    private static InstanceResult Success(IReadOnlyList<KeyValuePair<string, Tensor>> outputs) => InstanceResult.Success(outputs);
}

using SharpServing.Engine;

namespace SharpServing.Server.Tests.Rest;

/// <summary>
/// A predictor written for these tests, standing in for the engine. Servables:
/// <c>add</c> (version 1, method <c>add_common(x1, x2) → y</c>, float32 element-wise sum, with the dispatcher's texts);
/// <c>echo</c> (any method: returns each instance's inputs as outputs); <c>reply</c> (returns <see cref="NextReply"/>);
/// <c>slow</c> (waits until cancelled); <c>throw</c> (throws).
/// </summary>
internal sealed class RestTestPredictor : IPredictor
{
    private readonly object _lock = new();
    private InferRequest? _lastRequest;

    public InferRequest? LastRequest
    {
        get
        {
            lock (_lock)
            {
                return _lastRequest;
            }
        }
    }

    public InferReply? NextReply { get; set; }

    public TaskCompletionSource SlowStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource SlowCancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task<InferReply> PredictAsync(InferRequest request, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _lastRequest = request;
        }
        switch (request.Servable)
        {
            case "add":
                return Add(request);
            case "echo":
                return InferReply.Create([.. request.Instances.Select(Echo)]);
            case "reply":
                return NextReply ?? throw new InvalidOperationException("No reply set.");
            case "slow":
                SlowStarted.TrySetResult();
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    SlowCancelled.TrySetResult();
                    throw;
                }
                throw new InvalidOperationException("unreachable");
            case "throw":
                throw new InvalidOperationException("boom");
            default:
                return Unavailable(request);
        }
    }

    private static string Spec(InferRequest request) => request.Version == 0
        ? $"servable({request.Servable}) method({request.Method})"
        : $"servable({request.Servable}) method({request.Method})  version({request.Version})";

    private static InferReply Unavailable(InferRequest request)
        => InferReply.Failure(new ServingError(ErrorCode.InvalidInputs, $"Request {Spec(request)} , servable is not available"));

    private static InferReply Add(InferRequest request)
    {
        if (request.Version is not (0 or 1))
        {
            return Unavailable(request);
        }
        if (request.Method != "add_common")
        {
            return InferReply.Failure(new ServingError(ErrorCode.InvalidInputs, $"Request {Spec(request)} , method is not available"));
        }
        foreach (var instance in request.Instances)
        {
            foreach (var input in new[] { "x1", "x2" })
            {
                if (!instance.TryGetValue(input, out var value))
                {
                    return InferReply.Failure(new ServingError(ErrorCode.InvalidInputs,
                        $"Cannot find input {input} in instance input , servable {request.Servable}, method {request.Method}"));
                }
                if (value.InvalidDetail is { } detail)
                {
                    return InferReply.Failure(new ServingError(ErrorCode.InvalidInputs, $"Instances input {input} check failed, detail: {detail}"));
                }
            }
        }
        return InferReply.Create([.. request.Instances.Select(AddOne)]);
    }

    private static InstanceResult AddOne(IReadOnlyDictionary<string, RequestInput> instance)
    {
        var x1 = instance["x1"].Tensor!;
        var x2 = instance["x2"].Tensor!;
        if (x1.DataType != DataType.Float32 || x2.DataType != DataType.Float32 || x1.ElementCount != x2.ElementCount)
        {
            return InstanceResult.Failure(new ServingError(ErrorCode.InvalidInputs,
                $"Given model input 1 size {x2.ByteSize} not match the size {x1.ByteSize} defined in model"));
        }
        var a = x1.AsSpan<float>();
        var b = x2.AsSpan<float>();
        var sum = new float[a.Length];
        for (var i = 0; i < sum.Length; i++)
        {
            sum[i] = a[i] + b[i];
        }
        return InstanceResult.Success([KeyValuePair.Create("y", Tensor.Create(sum, x1.Shape.ToArray()))]);
    }

    private static InstanceResult Echo(IReadOnlyDictionary<string, RequestInput> instance)
    {
        foreach (var (name, value) in instance)
        {
            if (value.InvalidDetail is { } detail)
            {
                return InstanceResult.Failure(new ServingError(ErrorCode.InvalidInputs, $"Instances input {name} check failed, detail: {detail}"));
            }
        }
        return InstanceResult.Success([.. instance.Select(p => KeyValuePair.Create(p.Key, p.Value.Tensor!))]);
    }
}

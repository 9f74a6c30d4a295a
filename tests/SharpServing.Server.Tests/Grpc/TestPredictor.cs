using SharpServing.Engine;

namespace SharpServing.Server.Tests.Grpc;

/// <summary>
/// An in-test servable "add" (version 1) reproducing the gRPC acceptance behaviours of spec section 10 that need no model:
/// <list type="bullet">
/// <item><c>add_common(x1, x2) → y</c>: float32 x1 + x2 of 16 bytes each (the [2,2] model), with the model size/dtype
/// texts per instance;</item>
/// <item><c>echo</c>: every input back as an output of the same name (any dtype), in name order;</item>
/// <item><c>stage_fail(x1)</c>: fails every instance with a stage failure text;</item>
/// <item><c>double(x1)</c>: x1 back twice, as <c>y1</c> and <c>y2</c> (a reply twice the request's size);</item>
/// <item><c>wait</c>: never answers; completes only when its call is cancelled (see <see cref="WaitStarted"/>).</item>
/// </list>
/// Request-wide checks follow spec 4.4/4.5; <see cref="InferReply.Create"/> applies the collapse rule.
/// </summary>
internal sealed class TestPredictor : IPredictor
{
    private static readonly Dictionary<string, string[]> s_methods = new()
    {
        ["add_common"] = ["x1", "x2"],
        ["echo"] = [],
        ["stage_fail"] = ["x1"],
        ["double"] = ["x1"],
        ["wait"] = [],
        ["gather"] = [],
    };

    private int _gathered;

    /// <summary>How many <c>gather</c> calls must be in flight at once before any of them answers (an echo).</summary>
    public int GatherTarget { get; set; } = int.MaxValue;

    /// <summary>Completes when <see cref="GatherTarget"/> <c>gather</c> calls have arrived.</summary>
    public TaskCompletionSource AllGathered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Calls;

    /// <summary>Completes when a <c>wait</c> call has started.</summary>
    public TaskCompletionSource WaitStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when a <c>wait</c> call saw its cancellation.</summary>
    public TaskCompletionSource WaitCancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<InferReply> PredictAsync(InferRequest request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Calls);
        cancellationToken.ThrowIfCancellationRequested();
        return request.Method switch
        {
            "wait" => WaitAsync(cancellationToken),
            "gather" => GatherAsync(request, cancellationToken),
            _ => Task.FromResult(Predict(request)),
        };
    }

    private async Task<InferReply> GatherAsync(InferRequest request, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _gathered) == GatherTarget)
        {
            AllGathered.TrySetResult();
        }
        await AllGathered.Task.WaitAsync(cancellationToken);
        return Predict(request with { Method = "echo" });
    }

    private async Task<InferReply> WaitAsync(CancellationToken cancellationToken)
    {
        WaitStarted.TrySetResult();
        try
        {
            await Task.Delay(System.Threading.Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            WaitCancelled.TrySetResult();
            throw;
        }
        throw new InvalidOperationException("An infinite wait ended.");
    }

    private static InferReply Predict(InferRequest request)
    {
        var spec = request.Version == 0
            ? $"servable({request.Servable}) method({request.Method})"
            : $"servable({request.Servable}) method({request.Method})  version({request.Version})";
        if (request.Servable != "add" || request.Version is not (0 or 1))
        {
            return Fail($"Request {spec} , servable is not available");
        }
        if (!s_methods.TryGetValue(request.Method, out var inputs))
        {
            return Fail($"Request {spec} , method is not available");
        }
        if (request.Instances.Count == 0)
        {
            return Fail($"Instances count of request cannot be 0, servable: {request.Servable}, method: {request.Method}");
        }
        foreach (var instance in request.Instances)
        {
            foreach (var input in inputs)
            {
                if (!instance.TryGetValue(input, out var value))
                {
                    return Fail($"Cannot find input {input} in instance input , servable {request.Servable}, method {request.Method}");
                }
                if (value.InvalidDetail is { } detail)
                {
                    return Fail($"Instances input {input} check failed, detail: {detail}");
                }
            }
        }
        var results = request.Instances.Select(instance => request.Method switch
        {
            "add_common" => Add(instance["x1"].Tensor!, instance["x2"].Tensor!),
            "double" => InstanceResult.Success([KeyValuePair.Create("y1", instance["x1"].Tensor!), KeyValuePair.Create("y2", instance["x1"].Tensor!)]),
            "stage_fail" => InstanceResult.Failure(new ServingError(ErrorCode.SystemError,
                "Call Preprocess Failed, method: 'stage_fail', stage index(begin with 1): 1, error msg: invalid preprocess")),
            _ => InstanceResult.Success([.. instance.OrderBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => KeyValuePair.Create(p.Key, p.Value.Tensor!))]),
        }).ToList();
        return InferReply.Create(results);
    }

    private static InstanceResult Add(Tensor x1, Tensor x2)
    {
        var inputs = new[] { x1, x2 };
        for (var i = 0; i < inputs.Length; i++)
        {
            if (inputs[i].ByteSize != 16)
            {
                return InstanceResult.Failure(new ServingError(ErrorCode.InvalidInputs,
                    $"Given model input {i} size {inputs[i].ByteSize} not match the size 16 defined in model"));
            }
            if (inputs[i].DataType != DataType.Float32)
            {
                return InstanceResult.Failure(new ServingError(ErrorCode.InvalidInputs,
                    $"Given model input {i} data type {inputs[i].DataType.InternalName()} not match the data type kMSI_Float32 defined in model"));
            }
        }
        var a = x1.AsSpan<float>();
        var b = x2.AsSpan<float>();
        var sum = new float[4];
        for (var i = 0; i < sum.Length; i++)
        {
            sum[i] = a[i] + b[i];
        }
        return InstanceResult.Success([KeyValuePair.Create("y", Tensor.Create(sum, 2, 2))]);
    }

    private static InferReply Fail(string text) => InferReply.Failure(new ServingError(ErrorCode.InvalidInputs, text));
}

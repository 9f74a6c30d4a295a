using System.Diagnostics.CodeAnalysis;

namespace SharpServing;

/// <summary>
/// The result of <see cref="Client.Infer(object)"/>: either a request-wide <see cref="Error"/> (and no instances), or one
/// <see cref="InstanceOutcome"/> per request instance, in request order, each with its outputs or its own error.
/// </summary>
/// <remarks>
/// A request-wide error is one the server reported for the whole request (unknown servable, malformed input, every
/// instance failing the same way), or a transport failure (<see cref="TransportStatus"/> set), whose text reads
/// <c>Grpc Error, (14, 'unavailable'), ...</c>.
/// </remarks>
public sealed class InferResult
{
    private InferResult(string? error, long errorCode, GrpcStatusCode? transportStatus, IReadOnlyList<InstanceOutcome> instances)
    {
        Error = error;
        ErrorCode = errorCode;
        TransportStatus = transportStatus;
        Instances = instances;
    }

    /// <summary>The request-wide error, or null when the server answered per instance.</summary>
    public string? Error { get; }

    /// <summary>The server's error code of a request-wide error; 0 when there is none or the transport failed.</summary>
    public long ErrorCode { get; }

    /// <summary>The gRPC status when the call itself failed (server down, TLS, size limit, deadline); otherwise null.</summary>
    public GrpcStatusCode? TransportStatus { get; }

    /// <summary>One outcome per request instance, in request order; empty when <see cref="Error"/> is set.</summary>
    public IReadOnlyList<InstanceOutcome> Instances { get; }

    /// <summary>True when the whole request failed (<see cref="Error"/> is set).</summary>
    [MemberNotNullWhen(true, nameof(Error))]
    public bool IsRequestError => Error is not null;

    /// <summary>True when there is no request-wide error and every instance succeeded.</summary>
    public bool IsSuccess => Error is null && Instances.All(i => i.IsSuccess);

    /// <summary>Returns this result when <see cref="IsSuccess"/>; otherwise throws with the first error.</summary>
    /// <exception cref="InferFailedException">The request, or one of its instances, failed.</exception>
    public InferResult EnsureSuccess()
    {
        if (Error is not null)
        {
            throw new InferFailedException(Error, ErrorCode);
        }
        for (var i = 0; i < Instances.Count; i++)
        {
            if (!Instances[i].IsSuccess)
            {
                throw new InferFailedException($"Instance {i} failed: {Instances[i].Error}", Instances[i].ErrorCode);
            }
        }
        return this;
    }

    /// <summary>The outputs of instance <paramref name="index"/>, if the request and that instance succeeded.</summary>
    public bool TryGetOutputs(int index, [NotNullWhen(true)] out IReadOnlyDictionary<string, object>? outputs)
    {
        outputs = Error is null && (uint)index < (uint)Instances.Count ? Instances[index].Outputs : null;
        return outputs is not null;
    }

    /// <summary>The outputs of instance <paramref name="index"/>.</summary>
    /// <exception cref="InferFailedException">The request or that instance failed.</exception>
    /// <exception cref="ArgumentOutOfRangeException">There is no such instance.</exception>
    public IReadOnlyDictionary<string, object> GetOutputs(int index)
    {
        if (Error is not null)
        {
            throw new InferFailedException(Error, ErrorCode);
        }
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Instances.Count);
        var outcome = Instances[index];
        return outcome.IsSuccess ? outcome.Outputs : throw new InferFailedException(outcome.Error, outcome.ErrorCode);
    }

    /// <inheritdoc />
    public override string ToString()
        => Error is not null ? $"error: {Error}" : $"[{string.Join(", ", Instances)}]";

    internal static InferResult RequestError(string error, long errorCode) => new(error, errorCode, null, []);

    internal static InferResult TransportError(ServingRpcException failure) => new(failure.Message, 0, failure.StatusCode, []);

    internal static InferResult PerInstance(IReadOnlyList<InstanceOutcome> instances) => new(null, 0, null, instances);
}

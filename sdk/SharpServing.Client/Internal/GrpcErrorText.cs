using System.Globalization;

namespace SharpServing.Internal;

/// <summary>The MindSpore Serving client's text for a failed call: <c>Grpc Error, (14, 'unavailable'), &lt;details&gt;</c>.</summary>
internal static class GrpcErrorText
{
    public static string Format(GrpcStatusCode code, string? detail)
        => string.Create(CultureInfo.InvariantCulture, $"Grpc Error, ({(int)code}, '{Name(code)}'), {detail}");

    /// <summary>The lowercase status name with spaces, as Python's <c>grpc.StatusCode</c> values spell it.</summary>
    public static string Name(GrpcStatusCode code) => code switch
    {
        GrpcStatusCode.OK => "ok",
        GrpcStatusCode.Cancelled => "cancelled",
        GrpcStatusCode.Unknown => "unknown",
        GrpcStatusCode.InvalidArgument => "invalid argument",
        GrpcStatusCode.DeadlineExceeded => "deadline exceeded",
        GrpcStatusCode.NotFound => "not found",
        GrpcStatusCode.AlreadyExists => "already exists",
        GrpcStatusCode.PermissionDenied => "permission denied",
        GrpcStatusCode.ResourceExhausted => "resource exhausted",
        GrpcStatusCode.FailedPrecondition => "failed precondition",
        GrpcStatusCode.Aborted => "aborted",
        GrpcStatusCode.OutOfRange => "out of range",
        GrpcStatusCode.Unimplemented => "unimplemented",
        GrpcStatusCode.Internal => "internal",
        GrpcStatusCode.Unavailable => "unavailable",
        GrpcStatusCode.DataLoss => "data loss",
        GrpcStatusCode.Unauthenticated => "unauthenticated",
        _ => "unknown",
    };
}

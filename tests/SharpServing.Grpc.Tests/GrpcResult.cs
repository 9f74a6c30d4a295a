namespace SharpServing.Grpc.Tests;

internal sealed record GrpcResult<TReply>(
    HttpResponseMessage Response, StatusCode Status, string? Detail, IReadOnlyList<TReply> Messages, bool TrailersOnly);

namespace SharpServing.Grpc.Tests;

internal sealed record GrpcResult<TReply>(
    HttpResponseMessage Response, GrpcStatusCode Status, string? Detail, IReadOnlyList<TReply> Messages, bool TrailersOnly);

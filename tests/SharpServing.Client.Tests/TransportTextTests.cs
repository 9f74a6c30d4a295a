using SharpServing.Internal;

namespace SharpServing.ClientTests;

public sealed class TransportTextTests
{
    [Theory]
    [InlineData(GrpcStatusCode.Unavailable, "failed to connect to all addresses", "Grpc Error, (14, 'unavailable'), failed to connect to all addresses")]
    [InlineData(GrpcStatusCode.ResourceExhausted, "x", "Grpc Error, (8, 'resource exhausted'), x")]
    [InlineData(GrpcStatusCode.DeadlineExceeded, "Deadline Exceeded", "Grpc Error, (4, 'deadline exceeded'), Deadline Exceeded")]
    [InlineData(GrpcStatusCode.InvalidArgument, "", "Grpc Error, (3, 'invalid argument'), ")]
    [InlineData(GrpcStatusCode.FailedPrecondition, "d", "Grpc Error, (9, 'failed precondition'), d")]
    [InlineData(GrpcStatusCode.DataLoss, "d", "Grpc Error, (15, 'data loss'), d")]
    public void ServingRpcException_ReadsLikeThePythonClient(GrpcStatusCode code, string detail, string expected)
    {
        var e = new ServingRpcException(code, detail);

        Assert.Equal(expected, e.Message);
        Assert.Equal(code, e.StatusCode);
        Assert.Equal(detail, e.Detail);
    }

    [Fact]
    public void EveryStatusHasALowercaseName()
    {
        foreach (var code in Enum.GetValues<GrpcStatusCode>())
        {
            var name = GrpcErrorText.Name(code);
            Assert.Equal(code.ToString().ToLowerInvariant(), name.Replace(" ", "", StringComparison.Ordinal));
        }
    }
}

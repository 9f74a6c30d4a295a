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

    [Theory]
    [InlineData(0.0005, "500u")]
    [InlineData(0.0000001, "1u")]
    [InlineData(1.5, "1500000u")]
    [InlineData(200, "200000m")]
    [InlineData(99_999, "99999000m")]
    [InlineData(100_000, "100000S")]
    [InlineData(100_000.0001, "100001S")]
    public void GrpcTimeout_IsAtMostEightDigits_RoundedUp(double seconds, string expected)
        => Assert.Equal(expected, Protocol.GrpcTimeout.Format(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void GrpcTimeout_HugeValues_AreCappedInHours()
    {
        Assert.Equal("99999999H", Protocol.GrpcTimeout.Format(TimeSpan.MaxValue));
        Assert.Equal("1666667M", Protocol.GrpcTimeout.Format(TimeSpan.FromSeconds(99_999_999.5 + 1)));
    }
}

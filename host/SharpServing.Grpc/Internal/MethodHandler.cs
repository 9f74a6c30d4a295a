namespace SharpServing.Grpc.Internal;

/// <summary>A registered method: reads its request, runs the user's handler, writes replies and the status.</summary>
internal abstract class MethodHandler
{
    /// <summary>Runs the call to its end. Never throws: failures become statuses through <see cref="GrpcCall.FailAsync"/>.</summary>
    public abstract Task HandleAsync(GrpcCall call);
}

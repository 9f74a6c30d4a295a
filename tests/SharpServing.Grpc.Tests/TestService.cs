using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace SharpServing.Grpc.Tests;

/// <summary>A trivial service with well-known-type messages, and probes that tell the tests what its handlers saw.</summary>
internal sealed class TestService
{
    public const string Echo = "/test.Test/Echo";
    public const string Sized = "/test.Test/Sized";
    public const string Wait = "/test.Test/Wait";
    public const string Ignore = "/test.Test/Ignore";
    public const string Fail = "/test.Test/Fail";
    public const string Throw = "/test.Test/Throw";
    public const string Count = "/test.Test/Count";
    public const string Gather = "/test.Test/Gather";

    private int _gathered;

    /// <summary>Completes when a Wait handler has started.</summary>
    public TaskCompletionSource WaitStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when a Wait handler saw its token cancelled.</summary>
    public TaskCompletionSource WaitCancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Released by the test: lets the Ignore handler (which ignores its token) return.</summary>
    public TaskCompletionSource ReleaseIgnore { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int EchoCalls;

    /// <summary>How many Gather calls must be in flight at once before any of them returns.</summary>
    public int GatherTarget { get; set; } = int.MaxValue;

    /// <summary>Completes when <see cref="GatherTarget"/> Gather calls have arrived.</summary>
    public TaskCompletionSource AllGathered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public GrpcServiceRegistry CreateRegistry(GrpcOptions? options = null)
    {
        var registry = new GrpcServiceRegistry(options);
        registry.AddUnary<BytesValue, BytesValue>(Echo, BytesValue.Parser, (request, _) =>
        {
            Interlocked.Increment(ref EchoCalls);
            return Task.FromResult(request);
        });
        registry.AddUnary<Int32Value, BytesValue>(Sized, Int32Value.Parser,
            (request, _) => Task.FromResult(new BytesValue { Value = ByteString.CopyFrom(new byte[request.Value]) }));
        registry.AddUnary<Empty, Empty>(Wait, Empty.Parser, async (_, context) =>
        {
            WaitStarted.TrySetResult();
            try
            {
                await Task.Delay(System.Threading.Timeout.Infinite, context.CancellationToken);
            }
            catch (OperationCanceledException)
            {
                WaitCancelled.TrySetResult();
                throw;
            }
            return new Empty();
        });
        registry.AddUnary<Empty, Empty>(Ignore, Empty.Parser, async (_, _) =>
        {
            await ReleaseIgnore.Task;
            return new Empty();
        });
        registry.AddUnary<StringValue, Empty>(Fail, StringValue.Parser,
            (request, _) => throw new GrpcStatusException(GrpcStatusCode.InvalidArgument, request.Value));
        registry.AddUnary<Empty, Empty>(Throw, Empty.Parser, (_, _) => throw new InvalidOperationException("secret detail"));
        registry.AddServerStreaming<Int32Value, Int32Value>(Count, Int32Value.Parser, async (request, writer, context) =>
        {
            for (var i = 0; i < request.Value; i++)
            {
                await writer.WriteAsync(new Int32Value { Value = i }, context.CancellationToken);
            }
            if (request.Value < 0)
            {
                await writer.WriteAsync(new Int32Value { Value = -1 }, context.CancellationToken);
                throw new GrpcStatusException(GrpcStatusCode.Aborted, "after one message");
            }
        });
        registry.AddUnary<Int32Value, Int32Value>(Gather, Int32Value.Parser, async (request, context) =>
        {
            if (Interlocked.Increment(ref _gathered) == GatherTarget)
            {
                AllGathered.TrySetResult();
            }
            await AllGathered.Task.WaitAsync(context.CancellationToken);
            return request;
        });
        return registry;
    }
}

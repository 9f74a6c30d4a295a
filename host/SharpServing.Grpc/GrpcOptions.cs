namespace SharpServing.Grpc;

/// <summary>Per-service limits of the gRPC layer.</summary>
public sealed class GrpcOptions
{
    /// <summary>Largest message accepted by any gRPC implementation here: 2 GiB − 1 (the length prefix is 32 bits,
    /// protobuf sizes are <see cref="int"/>).</summary>
    public const int MaxMessageSizeLimit = int.MaxValue;

    private int _maxReceiveMessageSize = 4 * 1024 * 1024;
    private int _maxSendMessageSize = 4 * 1024 * 1024;

    /// <summary>
    /// Largest request message in bytes (after decompression). Default 4 MiB; range [1, <see cref="int.MaxValue"/>].
    /// A larger message ends the call with RESOURCE_EXHAUSTED before its body is read.
    /// </summary>
    public int MaxReceiveMessageSize
    {
        get => _maxReceiveMessageSize;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _maxReceiveMessageSize = value;
        }
    }

    /// <summary>
    /// Largest reply message in bytes. Default 4 MiB; range [1, <see cref="int.MaxValue"/>]. A larger reply ends the
    /// call with RESOURCE_EXHAUSTED.
    /// </summary>
    public int MaxSendMessageSize
    {
        get => _maxSendMessageSize;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _maxSendMessageSize = value;
        }
    }

    /// <summary>The clock for deadlines. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}

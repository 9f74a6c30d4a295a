using System.Buffers;
using System.Buffers.Binary;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using SharpServing.Engine.Execution;
using SharpServing.Server.Hosting;
using SharpServing.Server.Hosting.Internal;

namespace SharpServing.Server.Grpc.Internal;

/// <summary>
/// Admits the request message of a call with one request message (unary, server streaming) before grpc-dotnet buffers
/// it: reads the 5-byte length prefix, takes the message's bytes from the server's <see cref="RequestByteBudget"/>
/// (twice: its buffer and its parsed copy; refused: RESOURCE_EXHAUSTED, trailers only), and waits for the whole message
/// within the request body timeout (past it the stream is reset). grpc-dotnet waits for the whole message too before it
/// parses, so reading it here holds no extra memory. A gzip message's inflated size is charged before it inflates (from
/// its trailer, which <see cref="BudgetedCompressionProvider"/> then holds it to); other encodings are charged as they
/// inflate. The charge is given back when the call ends.
/// </summary>
internal static class GrpcBodyAdmission
{
    private const int PrefixSize = 5;

    public static void Use(IApplicationBuilder app, FrontEndLimits limits, int maxMessageSize, ILogger logger)
    {
        app.Use((context, next) =>
        {
            var method = context.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>()?.Method;
            return method is null || method.Type is MethodType.ClientStreaming or MethodType.DuplexStreaming
                ? next(context)
                : AdmitAsync(context, next, method, limits, maxMessageSize, logger);
        });
    }

    private static async Task AdmitAsync(
        HttpContext context, RequestDelegate next, IMethod method, FrontEndLimits limits, int maxMessageSize, ILogger logger)
    {
        using var charge = new RequestCharge(limits.Budget);
        var reader = context.Request.BodyReader;
        // Common: the whole message arrived with the request's first data. One look at the body; nothing marked examined,
        // so grpc-dotnet's read returns the same bytes at once.
        var arrived = TryAdmitArrived(context, reader, charge, maxMessageSize, out var refusal);
        if (refusal is not null)
        {
            Refuse(context, logger, method.FullName, refusal.Value.Bytes, refusal.Value.Message);
            return;
        }
        if (!arrived && !await AdmitAsync(context, reader, method, charge, limits, maxMessageSize, logger))
        {
            return;
        }
        // Only a compressed message needs the charge found from the decompression stream (an async-local costs a copy of
        // the execution context on every call that sets it).
        var compressed = context.Request.Headers.ContainsKey("grpc-encoding");
        if (compressed)
        {
            RequestCharge.Current = charge;
        }
        try
        {
            await next(context);
        }
        finally
        {
            if (compressed)
            {
                RequestCharge.Current = null;
            }
        }
    }

    /// <summary>
    /// Admits the message when it has already arrived whole (true; <paramref name="refusal"/> set when it is refused);
    /// false when more is to come, and nothing was charged.
    /// </summary>
    private static bool TryAdmitArrived(
        HttpContext context, System.IO.Pipelines.PipeReader reader, RequestCharge charge, int maxMessageSize,
        out (long Bytes, string Message)? refusal)
    {
        refusal = null;
        if (!reader.TryRead(out var result))
        {
            return false;
        }
        var buffer = result.Buffer;
        var length = buffer.Length < PrefixSize ? -1 : ReadLength(buffer);
        // Too short to be a message, or over the message limit: grpc-dotnet answers it in its own words.
        var admitted = length > maxMessageSize || (length >= 0 && buffer.Length >= PrefixSize + length);
        if (admitted && length <= maxMessageSize)
        {
            if (!charge.TryAdd(MessageCharge * length))
            {
                refusal = (MessageCharge * length, charge.Budget.RefusalMessage(MessageCharge * length));
            }
            else if (AdmitInflation(context, buffer.Slice(0, PrefixSize + length), charge, maxMessageSize) is { } inflation)
            {
                refusal = (-1, inflation);
            }
        }
        reader.AdvanceTo(buffer.Start);
        return admitted;
    }

    /// <summary>The message that has not all arrived: charged from its prefix, then awaited within the request body timeout.
    /// False when the call was answered (refused, or reset for the timeout).</summary>
    private static async Task<bool> AdmitAsync(
        HttpContext context, System.IO.Pipelines.PipeReader reader, IMethod method, RequestCharge charge, FrontEndLimits limits,
        int maxMessageSize, ILogger logger)
    {
        // The body timeout is started only when the message has to be waited for: a pooled limit, watched by the
        // engine's periodic scan, not a timer of its own.
        RequestTimeLimit? bodyTimeout = null;
        var ended = false;
        try
        {
            var prefix = await ReadAtLeastAsync(reader, PrefixSize, ref bodyTimeout, context, limits);
            var length = prefix.Buffer.Length < PrefixSize ? -1 : ReadLength(prefix.Buffer);
            reader.AdvanceTo(prefix.Buffer.Start, prefix.Buffer.End);
            // Too short to be a message, or over the message limit: grpc-dotnet answers it in its own words.
            if (length >= 0 && length <= maxMessageSize)
            {
                // The message's buffer and its parsed copy.
                if (!charge.TryAdd(MessageCharge * length))
                {
                    Refuse(context, logger, method.FullName, MessageCharge * length, limits.Budget.RefusalMessage(MessageCharge * length));
                    ended = true;
                    return false;
                }
                var message = await ReadAtLeastAsync(reader, PrefixSize + (int)length, ref bodyTimeout, context, limits);
                var refusal = message.Buffer.Length >= PrefixSize + length
                    ? AdmitInflation(context, message.Buffer.Slice(0, PrefixSize + length), charge, maxMessageSize)
                    : null;
                reader.AdvanceTo(message.Buffer.Start, message.Buffer.End);
                if (refusal is not null)
                {
                    Refuse(context, logger, method.FullName, -1, refusal);
                    ended = true;
                    return false;
                }
            }
            ended = true;
            return true;
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
        {
            GrpcServerLog.BodyTimedOut(logger, method.FullName, limits.RequestBodyTimeout.TotalMilliseconds);
            context.Abort();
            return false;
        }
        finally
        {
            // Back to the pool only after reads that ended normally: a read that failed may still hold the token.
            bodyTimeout?.End(reuse: ended);
        }
    }

    /// <summary>
    /// What the body holds once it has at least <paramref name="minimum"/> bytes (or ended): at once when it has already
    /// arrived, else awaited within the request body timeout, which starts on the first wait.
    /// </summary>
    private static ValueTask<System.IO.Pipelines.ReadResult> ReadAtLeastAsync(
        System.IO.Pipelines.PipeReader reader, int minimum, ref RequestTimeLimit? timeout, HttpContext context, FrontEndLimits limits)
    {
        if (reader.TryRead(out var result))
        {
            if (result.Buffer.Length >= minimum || result.IsCompleted || result.IsCanceled)
            {
                return new ValueTask<System.IO.Pipelines.ReadResult>(result);
            }
            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
        timeout ??= RequestTimeLimit.Start(limits.RequestBodyTimeout, context.RequestAborted);
        return reader.ReadAtLeastAsync(minimum, timeout.Token);
    }

    /// <summary>What a message's bytes are charged: the buffer it arrives in and the parsed message.</summary>
    internal const int MessageCharge = 2;

    /// <summary>What an inflated byte is charged: grpc-dotnet's growing inflate buffer (up to twice the bytes) and the
    /// parsed message.</summary>
    internal const int InflatedCharge = 3;

    /// <summary>
    /// For a gzip message, the inflated size its trailer declares is charged before anything inflates (the inflating
    /// stream then holds the message to it); a message that declares more than the limit or the budget holds is refused
    /// at once. Other encodings are charged as they inflate. Null when admitted; else the refusal text.
    /// </summary>
    private static string? AdmitInflation(HttpContext context, ReadOnlySequence<byte> frame, RequestCharge charge, int maxMessageSize)
    {
        Span<byte> flag = stackalloc byte[1];
        frame.Slice(0, 1).CopyTo(flag);
        if (flag[0] != 1 || !string.Equals(context.Request.Headers["grpc-encoding"], "gzip", StringComparison.Ordinal)
            || frame.Length < PrefixSize + 18)
        {
            return null;
        }
        Span<byte> trailer = stackalloc byte[4];
        frame.Slice(frame.Length - 4).CopyTo(trailer);
        long declared = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
        if (declared > maxMessageSize)
        {
            return "Received message exceeds the maximum configured message size.";
        }
        if (!charge.TryAdd(InflatedCharge * declared))
        {
            return charge.Budget.RefusalMessage(InflatedCharge * declared);
        }
        charge.InflateAllowance = declared;
        return null;
    }

    private static void Refuse(HttpContext context, ILogger logger, string method, long bytes, string message)
    {
        GrpcServerLog.Refused(logger, method, bytes, message);
        WriteTrailersOnly(context, StatusCode.ResourceExhausted, message);
    }

    private static long ReadLength(ReadOnlySequence<byte> buffer)
    {
        Span<byte> header = stackalloc byte[PrefixSize];
        buffer.Slice(0, PrefixSize).CopyTo(header);
        return BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
    }

    private static void WriteTrailersOnly(HttpContext context, StatusCode status, string message)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = Uri.EscapeDataString(message);
    }
}

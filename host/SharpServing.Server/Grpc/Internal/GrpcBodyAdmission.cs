using System.Buffers;
using System.Buffers.Binary;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using SharpServing.Server.Hosting;
using SharpServing.Server.Hosting.Internal;

namespace SharpServing.Server.Grpc.Internal;

/// <summary>
/// Admits the request message of a call with one request message (unary, server streaming) before grpc-dotnet buffers
/// it: reads the 5-byte length prefix, takes the message's bytes from the server's <see cref="RequestByteBudget"/>
/// (refused: RESOURCE_EXHAUSTED, trailers only), and waits for the whole message within the request body timeout
/// (past it the stream is reset). grpc-dotnet waits for the whole message too before it parses, so reading it here
/// holds no extra memory. A gzip message's inflated bytes are charged as they inflate by
/// <see cref="BudgetedCompressionProvider"/>. The charge is given back when the call ends.
/// </summary>
internal static class GrpcBodyAdmission
{
    private const int PrefixSize = 5;

    public static void Use(IApplicationBuilder app, FrontEndLimits limits, int maxMessageSize, ILogger logger)
    {
        app.Use(async (context, next) =>
        {
            var method = context.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>()?.Method;
            if (method is null || method.Type is MethodType.ClientStreaming or MethodType.DuplexStreaming)
            {
                await next(context);
                return;
            }
            using var charge = new RequestCharge(limits.Budget);
            using var bodyTimeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            bodyTimeout.CancelAfter(limits.RequestBodyTimeout);
            var reader = context.Request.BodyReader;
            try
            {
                var prefix = await reader.ReadAtLeastAsync(PrefixSize, bodyTimeout.Token);
                if (prefix.Buffer.Length < PrefixSize)
                {
                    // Too short to be a message: grpc-dotnet answers it in its own words.
                    reader.AdvanceTo(prefix.Buffer.Start, prefix.Buffer.End);
                    RequestCharge.Current = charge;
                    await next(context);
                    return;
                }
                var length = ReadLength(prefix.Buffer);
                if (length <= maxMessageSize && !charge.TryAdd(length))
                {
                    reader.AdvanceTo(prefix.Buffer.Start, prefix.Buffer.End);
                    GrpcServerLog.OverBudget(logger, method.FullName, length, limits.Budget.Limit);
                    WriteTrailersOnly(context, StatusCode.ResourceExhausted, limits.Budget.RefusalMessage(length));
                    return;
                }
                reader.AdvanceTo(prefix.Buffer.Start, prefix.Buffer.End);
                if (length <= maxMessageSize)
                {
                    var message = await reader.ReadAtLeastAsync(PrefixSize + (int)length, bodyTimeout.Token);
                    reader.AdvanceTo(message.Buffer.Start, message.Buffer.End);
                }
            }
            catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
            {
                GrpcServerLog.BodyTimedOut(logger, method.FullName, limits.RequestBodyTimeout.TotalMilliseconds);
                context.Abort();
                return;
            }
            RequestCharge.Current = charge;
            try
            {
                await next(context);
            }
            finally
            {
                RequestCharge.Current = null;
            }
        });
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

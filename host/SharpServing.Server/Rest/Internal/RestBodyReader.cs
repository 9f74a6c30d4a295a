using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using SharpServing.Engine.Execution;
using SharpServing.Server.Hosting.Internal;

namespace SharpServing.Server.Rest.Internal;

/// <summary>
/// Reads a request body into a pooled buffer with bounds: never more than the limit + 1 bytes are held, a declared
/// <c>Content-Length</c> over the limit is refused before any byte is read, the body's bytes are taken from the server's
/// request byte budget before they are buffered (the declared length at once, a chunked body as it arrives), the buffer
/// grows as data arrives (nothing is reserved for a declared length), and the whole body must arrive within the request
/// body timeout.
/// </summary>
internal static class RestBodyReader
{
    public const string EmptyBody = "http message invalid";

    private const int ReadChunk = 64 * 1024;

    /// <summary>What a body byte is charged: the body's buffer and what is parsed from it.</summary>
    private const int BodyCharge = 2;

    /// <summary>The body, or null with the error text (empty body, over the limit, over the budget).</summary>
    public static async Task<(PooledByteBuffer? Body, string? Error)> ReadAsync(
        HttpContext context, long limit, RequestCharge charge, TimeSpan bodyTimeout, CancellationToken cancellationToken)
    {
        // Our own bound replaces Kestrel's (30 MB by default), which would fail the read with a 413.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = null;
        }
        var request = context.Request;
        var declared = request.ContentLength;
        if (declared == 0)
        {
            return (null, EmptyBody);
        }
        if (declared > limit)
        {
            return (null, TooLarge(limit));
        }
        // The body's buffer and what is parsed from it.
        if (declared is { } length && !charge.TryAdd(BodyCharge * length))
        {
            return (null, charge.Budget.RefusalMessage(BodyCharge * length));
        }
        // Common: the whole body arrived with the request's head. Taken at once: no timer, no awaited read.
        if (TryTakeArrived(request.BodyReader, limit, declared, charge, out var arrived, out var arrivedError))
        {
            return (arrived, arrivedError);
        }
        // A pooled limit, watched by the engine's periodic scan, not a timer of its own.
        var timeout = RequestTimeLimit.Start(bodyTimeout, cancellationToken);
        var reuse = true;
        var body = new PooledByteBuffer(ReadChunk);
        try
        {
            while (true)
            {
                var room = (int)Math.Min(ReadChunk, limit + 1 - body.Count);
                var read = await request.Body.ReadAsync(body.GetMemory(room)[..room], timeout.Token);
                if (read == 0)
                {
                    break;
                }
                if (declared is null && !charge.TryAdd(BodyCharge * read))
                {
                    body.Dispose();
                    return (null, charge.Budget.RefusalMessage(BodyCharge * read));
                }
                body.Advance(read);
                if (body.Count > limit)
                {
                    body.Dispose();
                    return (null, TooLarge(limit));
                }
            }
            if (body.Count == 0)
            {
                body.Dispose();
                return (null, EmptyBody);
            }
            return (body, null);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // A body that does not arrive in time: the connection is closed (its rest could never be read in order).
            reuse = false;
            body.Dispose();
            context.Abort();
            throw new OperationCanceledException("the request body did not arrive within the request body timeout", cancellationToken);
        }
        catch
        {
            // A read that failed may still hold the token: the limit is not handed out again.
            reuse = false;
            body.Dispose();
            throw;
        }
        finally
        {
            timeout.End(reuse);
        }
    }

    /// <summary>
    /// Takes the body when all of it has already arrived (true, with the body or the error); false when more is to come,
    /// and nothing was taken: the timed read then starts from the same bytes.
    /// </summary>
    private static bool TryTakeArrived(
        PipeReader reader, long limit, long? declared, RequestCharge charge, out PooledByteBuffer? body, out string? error)
    {
        body = null;
        error = null;
        if (!reader.TryRead(out var result))
        {
            return false;
        }
        var buffer = result.Buffer;
        if (!result.IsCompleted || result.IsCanceled || buffer.Length > limit)
        {
            // Nothing consumed or examined: the next read returns these bytes at once.
            reader.AdvanceTo(buffer.Start);
            return false;
        }
        if (buffer.IsEmpty)
        {
            reader.AdvanceTo(buffer.End);
            error = EmptyBody;
            return true;
        }
        // A chunked body has no declared length to charge up front: its bytes are charged here.
        if (declared is null && !charge.TryAdd(BodyCharge * buffer.Length))
        {
            reader.AdvanceTo(buffer.End);
            error = charge.Budget.RefusalMessage(BodyCharge * buffer.Length);
            return true;
        }
        var taken = new PooledByteBuffer((int)buffer.Length);
        buffer.CopyTo(taken.GetSpan((int)buffer.Length));
        taken.Advance((int)buffer.Length);
        reader.AdvanceTo(buffer.End);
        body = taken;
        return true;
    }

    private static string TooLarge(long limit) => $"http message is bigger than {limit}";
}

using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace SharpServing.Server.Rest.Internal;

/// <summary>
/// Reads a request body into a pooled buffer with a bound: never more than the limit + 1 bytes are held, and a
/// declared <c>Content-Length</c> over the limit is refused before any byte is read.
/// </summary>
internal static class RestBodyReader
{
    public const string EmptyBody = "http message invalid";

    private const int ReadChunk = 64 * 1024;

    /// <summary>The body, or null with the error text (empty body, or over the limit).</summary>
    public static async Task<(PooledByteBuffer? Body, string? Error)> ReadAsync(HttpContext context, long limit, CancellationToken cancellationToken)
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
        var capacity = (int)Math.Min(declared ?? ReadChunk, limit + 1);
        var body = new PooledByteBuffer(capacity);
        try
        {
            while (true)
            {
                var room = (int)Math.Min(ReadChunk, limit + 1 - body.Count);
                var read = await request.Body.ReadAsync(body.GetMemory(room)[..room], cancellationToken);
                if (read == 0)
                {
                    break;
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
        catch
        {
            body.Dispose();
            throw;
        }
    }

    private static string TooLarge(long limit) => $"http message is bigger than {limit}";
}

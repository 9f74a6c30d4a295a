using System.Net;
using System.Net.Http.Headers;

namespace SharpServing.Benchmark;

/// <summary>A request body serialized once and written as is on every call (the array is shared, never copied).</summary>
internal sealed class PrebuiltContent : HttpContent
{
    private readonly byte[] _body;

    public PrebuiltContent(byte[] body, MediaTypeHeaderValue contentType)
    {
        _body = body;
        Headers.ContentType = contentType;
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        stream.WriteAsync(_body).AsTask();

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        stream.WriteAsync(_body, cancellationToken).AsTask();

    protected override void SerializeToStream(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        stream.Write(_body);

    protected override bool TryComputeLength(out long length)
    {
        length = _body.Length;
        return true;
    }
}

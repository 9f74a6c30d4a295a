using System.IO.Compression;
using Grpc.Core;
using Grpc.Net.Compression;
using SharpServing.Server.Hosting.Internal;

namespace SharpServing.Server.Grpc.Internal;

/// <summary>
/// A compression provider whose decompression stream stops at the message size limit and holds a gzip message to the
/// inflated size charged for it from its trailer (<see cref="GrpcBodyAdmission"/>), or, without one, charges each
/// inflated byte to the request's <see cref="RequestCharge"/> as it comes: a small message that inflates past the budget
/// or the limit fails with RESOURCE_EXHAUSTED before the memory is taken (grpc-dotnet inflates into a buffer of its own
/// before it parses).
/// </summary>
internal sealed class BudgetedCompressionProvider(ICompressionProvider inner, int maxMessageSize) : ICompressionProvider
{
    /// <summary>gzip and deflate, as grpc-dotnet serves by default, each budgeted.</summary>
    public static IList<ICompressionProvider> Defaults(int maxMessageSize) =>
    [
        new BudgetedCompressionProvider(new GzipCompressionProvider(CompressionLevel.Fastest), maxMessageSize),
        new BudgetedCompressionProvider(new DeflateCompressionProvider(CompressionLevel.Fastest), maxMessageSize),
    ];

    public string EncodingName => inner.EncodingName;

    public Stream CreateCompressionStream(Stream stream, CompressionLevel? compressionLevel)
        => inner.CreateCompressionStream(stream, compressionLevel);

    public Stream CreateDecompressionStream(Stream stream)
        => new ChargedStream(inner.CreateDecompressionStream(stream), RequestCharge.Current, maxMessageSize);

    private sealed class ChargedStream(Stream inner, RequestCharge? charge, int maxMessageSize) : Stream
    {
        private long _total;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var read = inner.Read(buffer);
            _total += read;
            if (_total > maxMessageSize)
            {
                throw new RpcException(new Status(StatusCode.ResourceExhausted, "Received message exceeds the maximum configured message size."));
            }
            if (charge is null || read == 0)
            {
                return read;
            }
            if (charge.InflateAllowance >= 0)
            {
                if (_total > charge.InflateAllowance)
                {
                    throw new RpcException(new Status(StatusCode.ResourceExhausted,
                        $"the message inflates past the {charge.InflateAllowance} bytes its gzip trailer declares"));
                }
            }
            else if (!charge.TryAdd(GrpcBodyAdmission.InflatedCharge * (long)read))
            {
                throw new RpcException(new Status(StatusCode.ResourceExhausted, charge.Budget.RefusalMessage(GrpcBodyAdmission.InflatedCharge * (long)read)));
            }
            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}

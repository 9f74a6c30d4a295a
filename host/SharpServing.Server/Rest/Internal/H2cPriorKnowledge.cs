using System.Buffers;
using System.IO.Pipelines;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace SharpServing.Server.Rest.Internal;

/// <summary>
/// HTTP/2 with prior knowledge (h2c) next to HTTP/1.1 on one cleartext endpoint. Kestrel serves only HTTP/1.1 on a
/// cleartext <see cref="HttpProtocols.Http1AndHttp2"/> endpoint (it answers an HTTP/2 preface with
/// <c>HTTP_1_1_REQUIRED</c>, dotnet/aspnetcore#56984) because without TLS it has no ALPN to choose by. This connection
/// middleware peeks at the first bytes: a connection opening with the HTTP/2 preface is marked as if ALPN had chosen
/// <c>h2</c>, so Kestrel's protocol selection takes HTTP/2; anything else goes on untouched as HTTP/1.1.
/// </summary>
internal static class H2cPriorKnowledge
{
    private static ReadOnlySpan<byte> Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    /// <summary>Adds the detection to a cleartext endpoint; <paramref name="firstBytesTimeout"/> bounds the wait for the first bytes.</summary>
    public static void Use(ListenOptions listenOptions, TimeSpan firstBytesTimeout)
    {
        listenOptions.Use(next => async connection =>
        {
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed))
            {
                timeout.CancelAfter(firstBytesTimeout);
                try
                {
                    if (await StartsWithPrefaceAsync(connection.Transport.Input, timeout.Token))
                    {
                        connection.Features.Set<ITlsConnectionFeature>(PriorKnowledgeFeature.Instance);
                        connection.Features.Set<ITlsApplicationProtocolFeature>(PriorKnowledgeFeature.Instance);
                    }
                }
                catch (OperationCanceledException)
                {
                    connection.Abort(new ConnectionAbortedException("No request arrived in time."));
                    return;
                }
            }
            await next(connection);
        });
    }

    /// <summary>Reads until the input matches or departs from the preface; consumes nothing.</summary>
    private static async Task<bool> StartsWithPrefaceAsync(PipeReader input, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            var decision = Match(buffer);
            if (decision is not null || result.IsCompleted || result.IsCanceled)
            {
                input.AdvanceTo(buffer.Start);
                return decision == true;
            }
            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>True: the preface; false: something else; null: a prefix of the preface so far.</summary>
    private static bool? Match(ReadOnlySequence<byte> buffer)
    {
        var length = (int)Math.Min(buffer.Length, Preface.Length);
        Span<byte> head = stackalloc byte[Preface.Length];
        buffer.Slice(0, length).CopyTo(head);
        if (!head[..length].SequenceEqual(Preface[..length]))
        {
            return false;
        }
        return length == Preface.Length ? true : null;
    }

    /// <summary>What Kestrel's protocol selection reads: "TLS is present and ALPN chose h2". No certificate, no handshake.</summary>
    private sealed class PriorKnowledgeFeature : ITlsConnectionFeature, ITlsApplicationProtocolFeature
    {
        public static readonly PriorKnowledgeFeature Instance = new();

        private static readonly byte[] s_h2 = "h2"u8.ToArray();

        public ReadOnlyMemory<byte> ApplicationProtocol => s_h2;

        public X509Certificate2? ClientCertificate
        {
            get => null;
            set => throw new NotSupportedException("A cleartext connection has no client certificate.");
        }

        public Task<X509Certificate2?> GetClientCertificateAsync(CancellationToken cancellationToken) => Task.FromResult<X509Certificate2?>(null);
    }
}

using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace SharpServing.Internal;

/// <summary>
/// Builds the one <see cref="SocketsHttpHandler"/> a client uses: a single HTTP/2 connection, a unix-socket connect
/// callback for <c>unix:</c> addresses, and the TLS settings of an <see cref="SslConfig"/> (files read here).
/// </summary>
internal static class HandlerFactory
{
    public static SocketsHttpHandler Create(ServerAddress address, SslConfig? ssl)
    {
        var handler = new SocketsHttpHandler
        {
            // One connection, reused by every call (HTTP/2 multiplexes); gRPC needs no proxy, redirects or cookies.
            EnableMultipleHttp2Connections = false,
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        };
        try
        {
            if (address.UnixSocketPath is { } path)
            {
                handler.ConnectCallback = (_, cancellationToken) => ConnectUnixAsync(path, cancellationToken);
            }
            if (ssl is not null)
            {
                ConfigureTls(handler.SslOptions, ssl);
            }
            return handler;
        }
        catch
        {
            handler.Dispose();
            throw;
        }
    }

    private static async ValueTask<Stream> ConnectUnixAsync(string path, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static void ConfigureTls(SslClientAuthenticationOptions options, SslConfig ssl)
    {
        if (ssl.Certificate is not null && ssl.PrivateKey is not null)
        {
            var certificate = X509Certificate2.CreateFromPemFile(ssl.Certificate, ssl.PrivateKey);
            if (OperatingSystem.IsWindows())
            {
                // SChannel cannot use an ephemeral key for client authentication: round-trip it through PKCS#12.
                using var ephemeral = certificate;
                certificate = X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
            }
            options.ClientCertificates = [certificate];
        }
        if (ssl.CustomCa is not null)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(ssl.CustomCa);
            if (roots.Count == 0)
            {
                throw new ArgumentException($"custom_ca file '{ssl.CustomCa}' holds no PEM certificate");
            }
            options.RemoteCertificateValidationCallback = (_, certificate, chain, errors) => Validate(roots, certificate, chain, errors);
        }
    }

    /// <summary>The server's certificate must match its name and chain to one of <paramref name="roots"/>.</summary>
    private static bool Validate(X509Certificate2Collection roots, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null
            || (errors & (SslPolicyErrors.RemoteCertificateNotAvailable | SslPolicyErrors.RemoteCertificateNameMismatch)) != 0)
        {
            return false;
        }
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(roots);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            // Intermediates the server sent.
            foreach (var element in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }
        return certificate is X509Certificate2 leaf
            ? custom.Build(leaf)
            : BuildFromCopy(custom, certificate);
    }

    private static bool BuildFromCopy(X509Chain chain, X509Certificate certificate)
    {
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    }
}

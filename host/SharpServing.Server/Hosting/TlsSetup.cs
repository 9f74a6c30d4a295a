using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace SharpServing.Server.Hosting;

/// <summary>
/// Turns an <see cref="SslConfig"/> into Kestrel HTTPS options: TLS 1.2+, the specification's cipher suites (where the
/// platform lets us choose), and for mutual TLS a required client certificate validated against the custom CA only.
/// Load failures throw <see cref="ServerStartException"/> with the specification's texts (section 5.3).
/// </summary>
public static class TlsSetup
{
    /// <summary>Loads the files of <paramref name="ssl"/> and builds the options for <c>ListenOptions.UseHttps</c>.</summary>
    public static HttpsConnectionAdapterOptions CreateHttpsOptions(SslConfig ssl)
    {
        ArgumentNullException.ThrowIfNull(ssl);
        var chain = LoadCertificates(ssl.Certificate, $"Serving Error: load certificate_chain from {ssl.Certificate} failed");
        var serverCertificate = AttachPrivateKey(chain[0], ssl);
        var options = new HttpsConnectionAdapterOptions
        {
            ServerCertificate = serverCertificate,
            SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            CheckCertificateRevocation = false,
            ClientCertificateMode = ClientCertificateMode.NoCertificate,
        };
        if (chain.Count > 1)
        {
            options.ServerCertificateChain = [.. chain.Skip(1)];
        }
        if (ssl.VerifyClient)
        {
            var roots = LoadCertificates(ssl.CustomCa!, $"Serving Error: load custom_ca from {ssl.CustomCa} failed");
            options.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
            options.ClientCertificateValidation = (certificate, presented, _) => ChainsToCustomRoots(certificate, presented, roots);
        }
        if (OperatingSystem.IsLinux())
        {
            var policy = new CipherSuitesPolicy(AllowedCipherSuites);
            options.OnAuthenticate = (_, authentication) => authentication.CipherSuitesPolicy = policy;
        }
        return options;
    }

    /// <summary>
    /// TLS 1.3 suites, then the TLS 1.2 ECDHE suites of the specification: AES-GCM, CHACHA20-POLY1305, ECDSA AES-CCM
    /// and ECDHE-PSK CHACHA20.
    /// </summary>
    public static IReadOnlyList<TlsCipherSuite> AllowedCipherSuites { get; } =
    [
        TlsCipherSuite.TLS_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CCM,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_CCM,
        TlsCipherSuite.TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256,
    ];

    private static X509Certificate2Collection LoadCertificates(string path, string error)
    {
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPemFile(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new ServerStartException(error, ex);
        }
        if (certificates.Count == 0)
        {
            throw new ServerStartException(error);
        }
        return certificates;
    }

    private static X509Certificate2 AttachPrivateKey(X509Certificate2 certificate, SslConfig ssl)
    {
        var keyError = $"Serving Error: load private_key from {ssl.PrivateKey} failed";
        string pem;
        try
        {
            pem = File.ReadAllText(ssl.PrivateKey);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ServerStartException(keyError, ex);
        }
        using var key = ImportKey(pem) ?? throw new ServerStartException(keyError);
        try
        {
            var withKey = key switch
            {
                RSA rsa => certificate.CopyWithPrivateKey(rsa),
                ECDsa ecdsa => certificate.CopyWithPrivateKey(ecdsa),
                _ => throw new ArgumentException("Unsupported key type."),
            };
            return withKey;
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException or InvalidOperationException)
        {
            throw new ServerStartException($"Serving Error: private_key is not consistent with certificate {ssl.Certificate}", ex);
        }
    }

    private static AsymmetricAlgorithm? ImportKey(string pem)
    {
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
            return rsa;
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            rsa.Dispose();
        }
        var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportFromPem(pem);
            return ecdsa;
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            ecdsa.Dispose();
            return null;
        }
    }

    private static bool ChainsToCustomRoots(X509Certificate2 certificate, X509Chain? presented, X509Certificate2Collection roots)
    {
        using var chain = new X509Chain();
        if (presented is not null)
        {
            // Intermediates the client sent; trust still comes from the custom roots only.
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }
}

namespace SharpServing.Server.Tests.Infrastructure;

/// <summary>
/// Certificates made by openssl into a temp folder: a CA, a server certificate for localhost/127.0.0.1 (RSA), a client
/// certificate (EC), and an unrelated CA with its own client certificate.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _folder = new("ss-certs-");

    private TestCertificates()
    {
    }

    public string CaCertificate => _folder.Combine("ca.crt");
    public string ServerCertificate => _folder.Combine("server.crt");
    public string ServerKey => _folder.Combine("server.key");
    public string ClientCertificate => _folder.Combine("client.crt");
    public string ClientKey => _folder.Combine("client.key");
    public string OtherCaCertificate => _folder.Combine("other-ca.crt");
    public string OtherClientCertificate => _folder.Combine("other-client.crt");
    public string OtherClientKey => _folder.Combine("other-client.key");
    public string Folder => _folder.Path;

    public static async Task<TestCertificates> CreateAsync()
    {
        var certificates = new TestCertificates();
        try
        {
            await certificates.MakeAsync();
            return certificates;
        }
        catch
        {
            certificates.Dispose();
            throw;
        }
    }

    public void Dispose() => _folder.Dispose();

    private async Task MakeAsync()
    {
        File.WriteAllText(_folder.Combine("server.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
        File.WriteAllText(_folder.Combine("client.ext"), "extendedKeyUsage=clientAuth\n");
        await Ca("ca", "SharpServing Test CA");
        await Ca("other-ca", "Unrelated Test CA");
        await Leaf("server", "ca", "localhost", ["-newkey", "rsa:2048"], "server.ext");
        await Leaf("client", "ca", "client", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"], "client.ext");
        await Leaf("other-client", "other-ca", "client", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"], "client.ext");
    }

    private Task Ca(string name, string subject) => OpenSsl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
        "-keyout", $"{name}.key", "-out", $"{name}.crt", "-subj", $"/CN={subject}");

    private async Task Leaf(string name, string ca, string commonName, string[] keyArguments, string extensions)
    {
        await OpenSsl(["req", .. keyArguments, "-nodes", "-keyout", $"{name}.key", "-out", $"{name}.csr", "-subj", $"/CN={commonName}"]);
        await OpenSsl("x509", "-req", "-in", $"{name}.csr", "-CA", $"{ca}.crt", "-CAkey", $"{ca}.key", "-CAcreateserial",
            "-days", "2", "-out", $"{name}.crt", "-extfile", extensions);
    }

    private Task OpenSsl(params string[] arguments) => ProcessRunner.RunCheckedAsync("openssl", arguments, s_timeout, _folder.Path);
}

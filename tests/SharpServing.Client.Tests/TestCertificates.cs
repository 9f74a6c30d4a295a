using System.Diagnostics;

namespace SharpServing.ClientTests;

/// <summary>
/// A test PKI made by openssl in a temporary folder (deleted on dispose): a CA, a server certificate for
/// <c>localhost</c>/<c>127.0.0.1</c>, a client certificate, and a second CA that signed neither.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private static readonly TimeSpan s_opensslTimeout = TimeSpan.FromSeconds(30);

    public TestCertificates()
    {
        Folder = Directory.CreateTempSubdirectory("sharpserving-client-tls-").FullName;
        try
        {
            MakeCa("ca", "SharpServing Test CA");
            MakeCa("other-ca", "Another Test CA");
            MakeLeaf("server", "localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
            MakeLeaf("client", "test client", "extendedKeyUsage=clientAuth\n");
        }
        catch
        {
            Directory.Delete(Folder, recursive: true);
            throw;
        }
    }

    public string Folder { get; }

    public string Ca => Pem("ca");

    public string OtherCa => Pem("other-ca");

    public string ServerCertificate => Pem("server");

    public string ServerKey => Key("server");

    public string ClientCertificate => Pem("client");

    public string ClientKey => Key("client");

    public void Dispose() => Directory.Delete(Folder, recursive: true);

    private string Pem(string name) => Path.Combine(Folder, name + ".pem");

    private string Key(string name) => Path.Combine(Folder, name + ".key");

    private void MakeCa(string name, string commonName)
        => OpenSsl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
            "-keyout", Key(name), "-out", Pem(name), "-subj", "/CN=" + commonName,
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");

    private void MakeLeaf(string name, string commonName, string extensions)
    {
        var csr = Path.Combine(Folder, name + ".csr");
        var ext = Path.Combine(Folder, name + ".ext");
        File.WriteAllText(ext, "basicConstraints=CA:FALSE\n" + extensions);
        OpenSsl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", Key(name), "-out", csr, "-subj", "/CN=" + commonName);
        OpenSsl("x509", "-req", "-in", csr, "-CA", Pem("ca"), "-CAkey", Key("ca"), "-CAcreateserial", "-days", "2",
            "-extfile", ext, "-out", Pem(name));
    }

    private void OpenSsl(params string[] arguments)
    {
        var start = new ProcessStartInfo("openssl") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = Folder };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("openssl did not start");
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(s_opensslTimeout))
        {
            process.Kill();
            throw new TimeoutException($"openssl {string.Join(' ', arguments)} did not finish");
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"openssl {string.Join(' ', arguments)} failed: {stderr.Result}");
        }
    }
}

using System.Net;
using System.Text;
using System.Text.Json;
using Grpc.Health.V1;
using SharpServing.Engine.Configuration;
using SharpServing.Server.Hosting;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace SharpServing.Server.Tests.Reload;

/// <summary>The real <see cref="ServingServer"/> over a <see cref="ReloadRepository"/>, with its RESTful server and its
/// admin listener (control API) each on a free loopback port, and HTTP clients for the MindSpore and admin paths.</summary>
internal sealed class ReloadServer : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private const string AddBody = """{"instances":[{"x1":[[1.0,2.0],[3.0,4.0]],"x2":[[10.0,20.0],[30.0,40.0]]}]}""";

    private ReloadServer(ServingServer server, string? adminToken)
    {
        Server = server;
        Client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{server.Rest!.Port}"),
            Timeout = Timeout,
        };
        AdminClient = new HttpClient
        {
            BaseAddress = new Uri($"http://127.0.0.1:{server.Admin!.Port}"),
            Timeout = Timeout,
        };
        if (adminToken is not null)
        {
            AdminClient.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", adminToken);
        }
    }

    public ServingServer Server { get; }

    /// <summary>A client of the RESTful (MindSpore) listener.</summary>
    public HttpClient Client { get; }

    /// <summary>A client of the admin listener, with the token when one was given.</summary>
    public HttpClient AdminClient { get; }

    /// <summary>Starts the server, its RESTful listener and its admin listener; <paramref name="adminToken"/> is written to
    /// a token file the control API asks for (null: no token).</summary>
    public static async Task<ReloadServer> StartAsync(
        ServingConfiguration configuration, Microsoft.Extensions.Logging.ILoggerFactory? loggerFactory = null, string? adminToken = null)
    {
        string? tokenFile = null;
        if (adminToken is not null)
        {
            tokenFile = Path.GetTempFileName();
            await File.WriteAllTextAsync(tokenFile, adminToken + "\n");
            configuration.Admin.TokenFile = tokenFile;
        }
        var server = await ServingServer.StartServablesAsync(configuration, loggerFactory, TextWriter.Null, TimeProvider.System, CancellationToken.None)
            .WaitAsync(Timeout);
        try
        {
            await server.StartRestfulServerAsync(ListenAddress.Tcp(IPAddress.Loopback, 0), CancellationToken.None).WaitAsync(Timeout);
            await server.StartAdminListenerAsync(ListenAddress.Tcp(IPAddress.Loopback, 0), CancellationToken.None).WaitAsync(Timeout);
            return new ReloadServer(server, adminToken);
        }
        catch
        {
            await server.DisposeAsync().AsTask().WaitAsync(Timeout);
            throw;
        }
        finally
        {
            if (tokenFile is not null)
            {
                File.Delete(tokenFile);
            }
        }
    }

    /// <summary>POSTs the add request to <c>/model/&lt;servable&gt;[/version/&lt;n&gt;]:add_common</c>; returns the offset the
    /// reply carries (y − (x1 + x2)), or the error text of a failed request.</summary>
    public async Task<(float? Offset, string? Error)> PredictAsync(string servable, ulong version = 0, CancellationToken cancellationToken = default)
    {
        var path = version == 0 ? $"/model/{servable}:add_common" : $"/model/{servable}/version/{version}:add_common";
        using var content = new StringContent(AddBody, Encoding.UTF8, "application/json");
        using var response = await Client.PostAsync(path, content, cancellationToken).WaitAsync(Timeout, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).WaitAsync(Timeout, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return (null, $"HTTP {(int)response.StatusCode}: {text}");
        }
        using var json = JsonDocument.Parse(text);
        if (json.RootElement.TryGetProperty("error_msg", out var error))
        {
            return (null, error.GetString());
        }
        var instance = json.RootElement.GetProperty("instances")[0];
        if (instance.TryGetProperty("error_msg", out var instanceError))
        {
            return (null, instanceError.GetString());
        }
        return (instance.GetProperty("y")[0][0].GetSingle() - 11f, null);
    }

    /// <summary>Sends <paramref name="method"/> to a path: an admin path (<c>/v1/servables...</c>) to the admin listener,
    /// any other to the RESTful one; the status and the parsed JSON body.</summary>
    public async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> SendAsync(HttpMethod method, string path)
    {
        using var request = new HttpRequestMessage(method, path);
        var client = path.StartsWith("/v1/servables", StringComparison.Ordinal) ? AdminClient : Client;
        var response = await client.SendAsync(request).WaitAsync(Timeout);
        var text = await response.Content.ReadAsStringAsync().WaitAsync(Timeout);
        using var json = JsonDocument.Parse(text);
        return (response.StatusCode, json.RootElement.Clone(), response);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        AdminClient.Dispose();
        await Server.DisposeAsync().AsTask().WaitAsync(Timeout);
    }

    /// <summary>What the health service's Check answers for <paramref name="service"/> (it reads no call context).</summary>
    public async Task<ServingStatus> HealthAsync(string service)
        => (await Server.Health.Check(new HealthCheckRequest { Service = service }, context: null!)).Status;
}

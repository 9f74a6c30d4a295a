using System.Net;
using System.Net.Http.Headers;
using System.Text;
using SharpServing.Engine.Configuration;
using SharpServing.Server.Hosting;
using SharpServing.Server.Tests.Reload;

namespace SharpServing.Server.Tests.Admin;

/// <summary>Who may reach the control API on the real server: its own listener, the token, the Host and Origin checks,
/// names checked before any state is touched, and paths in status replies relative to the servables root.</summary>
public sealed class ControlApiAccessTests : IDisposable
{
    private const string Token = "s3cret-token-for-tests";
    private readonly ReloadRepository _repository = new();

    public ControlApiAccessTests()
    {
        _repository.WriteScript("add", edit: 0);
        _repository.AddVersion("add", 1);
    }

    public void Dispose() => _repository.Dispose();

    [Fact]
    public async Task The_control_API_is_not_served_on_the_inference_listener()
    {
        await using var server = await ReloadServer.StartAsync(new ServingConfiguration { ServablesRoot = _repository.Root, Watch = false });

        // The RESTful listener answers the admin paths as MindSpore Serving would any other path: nothing is reloaded or unloaded.
        using var status = await server.Client.GetAsync("/v1/servables").WaitAsync(ReloadServer.Timeout);
        Assert.Equal("""{"error_msg":"http message only support POST right now"}""", await status.Content.ReadAsStringAsync());
        using var unload = await server.Client.PostAsync("/v1/servables/add/versions/1:unload", Json("{}")).WaitAsync(ReloadServer.Timeout);
        Assert.DoesNotContain("servable", await unload.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Null((await server.PredictAsync("add")).Error);

        // The admin listener serves it.
        var (code, _, response) = await server.SendAsync(HttpMethod.Get, "/v1/servables");
        response.Dispose();
        Assert.Equal(HttpStatusCode.OK, code);
    }

    [Fact]
    public async Task With_a_token_the_control_API_refuses_calls_without_it_and_compares_it_exactly()
    {
        await using var server = await ReloadServer.StartAsync(new ServingConfiguration { ServablesRoot = _repository.Root }, adminToken: Token);
        using var anonymous = new HttpClient { BaseAddress = server.AdminClient.BaseAddress, Timeout = ReloadServer.Timeout };

        using (var none = await anonymous.PostAsync("/v1/servables/add/reload", null).WaitAsync(ReloadServer.Timeout))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
            Assert.Equal("Bearer", none.Headers.WwwAuthenticate.Single().Scheme);
            Assert.Equal("""{"error_msg":"a valid bearer token is required"}""", await none.Content.ReadAsStringAsync());
        }
        foreach (var wrong in new[] { Token + "x", Token[..^1], Token.ToUpperInvariant(), "" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/servables");
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + wrong);
            using var refused = await anonymous.SendAsync(request).WaitAsync(ReloadServer.Timeout);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        var (code, body, response) = await server.SendAsync(HttpMethod.Post, "/v1/servables/add/reload");
        response.Dispose();
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal("[1]", body.GetProperty("loaded").GetRawText());
    }

    [Fact]
    public async Task A_foreign_Host_an_Origin_or_a_non_JSON_POST_is_refused_before_anything_runs()
    {
        await using var server = await ReloadServer.StartAsync(new ServingConfiguration { ServablesRoot = _repository.Root }, adminToken: Token);

        using (var request = new HttpRequestMessage(HttpMethod.Get, "/v1/servables"))
        {
            request.Headers.Host = "attacker.example";
            using var response = await server.AdminClient.SendAsync(request).WaitAsync(ReloadServer.Timeout);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Contains("Host", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/v1/servables/add/reload"))
        {
            request.Headers.TryAddWithoutValidation("Origin", "http://attacker.example");
            using var response = await server.AdminClient.SendAsync(request).WaitAsync(ReloadServer.Timeout);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }
        // The cross-site form post a browser may send without asking first.
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/v1/servables/add/reload") { Content = new StringContent("x", Encoding.UTF8, "text/plain") })
        {
            using var response = await server.AdminClient.SendAsync(request).WaitAsync(ReloadServer.Timeout);
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        }
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/v1/servables/add/reload") { Content = Json("{}") })
        {
            request.Headers.Host = "localhost";
            using var response = await server.AdminClient.SendAsync(request).WaitAsync(ReloadServer.Timeout);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task Made_up_names_touch_no_state_and_bad_names_are_refused()
    {
        await using var server = await ReloadServer.StartAsync(new ServingConfiguration { ServablesRoot = _repository.Root, Watch = false });
        var manager = server.Server.Servables;
        var state = manager.StateCount;
        var gates = server.Server.Reload.GateCount;

        for (var i = 0; i < 50; i++)
        {
            foreach (var path in new[] { $"/v1/servables/made-up-{i}/reload", $"/v1/servables/made-up-{i}/versions/1:load", $"/v1/servables/made-up-{i}/versions/1:unload" })
            {
                var (code, _, response) = await server.SendAsync(HttpMethod.Post, path);
                response.Dispose();
                Assert.True(code is HttpStatusCode.NotFound or (HttpStatusCode)422, $"{path}: {code}");
            }
        }
        foreach (var path in new[] { "/v1/servables/.cache/reload", "/v1/servables/.hidden", "/v1/servables/a%5Cb/reload", "/v1/servables/a%01b/versions/1:load" })
        {
            var (code, body, response) = await server.SendAsync(HttpMethod.Post, path);
            response.Dispose();
            Assert.Equal(HttpStatusCode.BadRequest, code);
            Assert.StartsWith("a servable name is", body.GetProperty("error_msg").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(state, manager.StateCount);
        Assert.Equal(gates, server.Server.Reload.GateCount);
        Assert.Equal(["add"], server.Server.Reload.GetServables().Select(s => s.Name));
    }

    [Fact]
    public async Task Status_replies_show_paths_relative_to_the_servables_root()
    {
        await using var server = await ReloadServer.StartAsync(new ServingConfiguration { ServablesRoot = _repository.Root, Watch = false });
        _repository.WriteScriptText("add", "this does not compile");

        var (code, body, response) = await server.SendAsync(HttpMethod.Post, "/v1/servables/add/reload");
        response.Dispose();
        Assert.Equal((HttpStatusCode)422, code);
        var error = body.GetProperty("error_msg").GetString()!;
        Assert.Contains("file 'add/servable_config.csx'", error, StringComparison.Ordinal);
        (_, body, response) = await server.SendAsync(HttpMethod.Get, "/v1/servables");
        response.Dispose();
        var text = body.GetRawText();
        Assert.DoesNotContain(_repository.Root, error, StringComparison.Ordinal);
        Assert.DoesNotContain(_repository.Root.Replace("/", "\\/", StringComparison.Ordinal), text, StringComparison.Ordinal);
        Assert.DoesNotContain(_repository.Root, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Admin_public_serves_the_control_API_on_the_RESTful_listener_only_with_the_token()
    {
        var tokenFile = Path.Combine(_repository.Root, ".token");
        await File.WriteAllTextAsync(tokenFile, Token);
        var configuration = new ServingConfiguration { ServablesRoot = _repository.Root };
        configuration.Admin.Address = AdminConfiguration.Public;
        configuration.Admin.TokenFile = tokenFile;
        await using var server = await ReloadServer.StartAsync(configuration);

        using (var anonymous = await server.Client.GetAsync("/v1/servables").WaitAsync(ReloadServer.Timeout))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/servables");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var authorized = await server.Client.SendAsync(request).WaitAsync(ReloadServer.Timeout);
        Assert.Equal(HttpStatusCode.OK, authorized.StatusCode);
        Assert.Null((await server.PredictAsync("add")).Error);

        configuration.Admin.TokenFile = null;
        var noToken = new ServingConfiguration { ServablesRoot = _repository.Root, Rest = new EndpointConfiguration { Address = "127.0.0.1:1" } };
        noToken.Admin.Address = AdminConfiguration.Public;
        var error = await Assert.ThrowsAsync<ServerStartException>(() => ServingServer.StartServablesAsync(noToken, output: TextWriter.Null).WaitAsync(ReloadServer.Timeout));
        Assert.Contains("needs a token", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_admin_address_beyond_loopback_without_a_token_refuses_to_start()
    {
        await using var server = await ServingServer.StartServablesAsync(new ServingConfiguration { ServablesRoot = _repository.Root }, output: TextWriter.Null)
            .WaitAsync(ReloadServer.Timeout);
        var error = await Assert.ThrowsAsync<ServerStartException>(
            () => server.StartAdminListenerAsync(ListenAddress.Tcp(IPAddress.Any, 0), CancellationToken.None).WaitAsync(ReloadServer.Timeout));
        Assert.Contains("without a token", error.Message, StringComparison.Ordinal);
        Assert.Null(server.Admin);
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");
}

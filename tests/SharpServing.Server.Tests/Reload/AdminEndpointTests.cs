using System.Net;
using SharpServing.Engine.Configuration;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace SharpServing.Server.Tests.Reload;

/// <summary>The status and control endpoints under /v1/servables on the real RESTful server.</summary>
public sealed class AdminEndpointTests : IDisposable
{
    private readonly ReloadRepository _repository = new();

    public AdminEndpointTests()
    {
        _repository.WriteScript("add", edit: 0);
        _repository.AddVersion("add", 1);
        _repository.AddVersion("add", 2);
    }

    public void Dispose() => _repository.Dispose();

    [Fact]
    public async Task The_status_lists_servables_with_versions_states_and_methods_and_control_is_refused_while_watching()
    {
        await using var server = await ReloadServer.StartAsync(new ServingConfiguration { ServablesRoot = _repository.Root });

        var (status, body, response) = await server.SendAsync(HttpMethod.Get, "/v1/servables");
        response.Dispose();
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body.GetProperty("watching").GetBoolean());
        var add = Assert.Single(body.GetProperty("servables").EnumerateArray());
        Assert.Equal("add", add.GetProperty("name").GetString());
        Assert.Equal("latest", add.GetProperty("version_policy").GetString());
        var version = Assert.Single(add.GetProperty("versions").EnumerateArray());
        Assert.Equal(2, version.GetProperty("version").GetInt64());
        Assert.Equal("available", version.GetProperty("state").GetString());
        var method = Assert.Single(version.GetProperty("methods").EnumerateArray());
        Assert.Equal("""{"name":"add_common","inputs":["x1","x2"],"outputs":["y"]}""", method.GetRawText());

        (status, body, response) = await server.SendAsync(HttpMethod.Get, "/v1/servables/nope");
        response.Dispose();
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("servable 'nope' is not known", body.GetProperty("error_msg").GetString());

        (status, _, response) = await server.SendAsync(HttpMethod.Post, "/v1/servables");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, status);
        Assert.Equal(["GET"], response.Content.Headers.Allow);
        response.Dispose();

        (status, body, response) = await server.SendAsync(HttpMethod.Post, "/v1/servables/add/versions/1:load");
        response.Dispose();
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("--no-watch", body.GetProperty("error_msg").GetString());

        (status, body, response) = await server.SendAsync(HttpMethod.Post, "/v1/servables/add/reload");
        response.Dispose();
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("[2]", body.GetProperty("loaded").GetRawText());
        Assert.Equal("add", body.GetProperty("servable").GetProperty("name").GetString());

        // MindSpore's paths are untouched: a GET there still gets its own answer.
        (status, body, response) = await server.SendAsync(HttpMethod.Get, "/model/add:add_common");
        response.Dispose();
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("http message only support POST right now", body.GetProperty("error_msg").GetString());
        Assert.Equal(200f, (await server.PredictAsync("add")).Offset);
    }

    [Fact]
    public async Task With_watching_off_versions_load_and_unload_explicitly_and_health_follows()
    {
        var configuration = new ServingConfiguration { ServablesRoot = _repository.Root, Watch = false };
        await using var server = await ReloadServer.StartAsync(configuration);
        Assert.Equal(ServingStatus.Serving, await server.HealthAsync("add"));

        var (status, body, response) = await server.SendAsync(HttpMethod.Post, "/v1/servables/add/versions/1:load");
        response.Dispose();
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal([1L, 2L], body.GetProperty("servable").GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("version").GetInt64()));
        Assert.Equal(100f, (await server.PredictAsync("add", version: 1)).Offset);
        Assert.Equal(200f, (await server.PredictAsync("add")).Offset);

        (status, _, response) = await server.SendAsync(HttpMethod.Post, "/v1/servables/add/versions/2:unload");
        response.Dispose();
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(100f, (await server.PredictAsync("add")).Offset);
        (status, body, response) = await server.SendAsync(HttpMethod.Post, "/v1/servables/add/versions/2:unload");
        response.Dispose();
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("servable 'add' version 2 is not loaded", body.GetProperty("error_msg").GetString());

        (status, body, response) = await server.SendAsync(HttpMethod.Post, "/v1/servables/add/versions/9:load");
        response.Dispose();
        Assert.Equal((HttpStatusCode)422, status);
        Assert.Contains("specified version number: 9", body.GetProperty("error_msg").GetString());
        (status, _, response) = await server.SendAsync(HttpMethod.Post, "/v1/servables/add/versions/x:load");
        response.Dispose();
        Assert.Equal(HttpStatusCode.BadRequest, status);

        _repository.WriteScriptText("add", "this does not compile");
        (status, body, response) = await server.SendAsync(HttpMethod.Post, "/v1/servables/add/reload");
        response.Dispose();
        Assert.Equal((HttpStatusCode)422, status);
        Assert.Contains("error CS", body.GetProperty("error_msg").GetString());
        Assert.Equal("available", body.GetProperty("servable").GetProperty("versions")[0].GetProperty("state").GetString());
        Assert.Equal(100f, (await server.PredictAsync("add")).Offset);
        Assert.Equal(ServingStatus.Serving, await server.HealthAsync("add"));

        (status, _, response) = await server.SendAsync(HttpMethod.Post, "/v1/servables/add/versions/1:unload");
        response.Dispose();
        Assert.Equal(HttpStatusCode.OK, status);
        // Nothing serves; the failed load of version 9 is still reported, so the servable is known and not serving.
        Assert.Equal(ServingStatus.NotServing, await server.HealthAsync("add"));
        Assert.NotNull((await server.PredictAsync("add")).Error);
    }
}

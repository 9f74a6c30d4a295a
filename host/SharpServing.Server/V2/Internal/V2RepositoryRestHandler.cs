using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using SharpServing.Engine;
using SharpServing.Server.Admin;
using SharpServing.Server.Hosting;
using SharpServing.Server.Hosting.Internal;

namespace SharpServing.Server.V2.Internal;

/// <summary>
/// The model repository extension over REST: <c>POST /v2/repository/index</c>, <c>POST
/// /v2/repository/models/{m}/load</c> and <c>.../unload</c>. It is mapped where the control API is, so the control API's
/// access control covers it. The index body is charged to the server's request byte budget (<paramref name="limits"/>).
/// </summary>
internal sealed class V2RepositoryRestHandler(V2Frontend frontend, AdminAccess access, FrontEndLimits limits, ILogger logger)
{
    private const string Prefix = "/v2/repository";

    public async Task<bool> TryHandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        if (!path.Equals(Prefix, StringComparison.Ordinal) && !path.StartsWith(Prefix + "/", StringComparison.Ordinal))
        {
            return false;
        }
        var segments = path[Prefix.Length..].Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (access.Check(context) is { } refusal)
        {
            V2Log.Refused(logger, context.Request.Method, path, refusal.Status, refusal.Message);
            await V2RestHandler.WriteJsonAsync(context, refusal.Status, w => V2JsonReply.Error(w, refusal.Message));
            return true;
        }
        try
        {
            if (!HttpMethods.IsPost(context.Request.Method))
            {
                context.Response.Headers.Allow = "POST";
                throw new V2Exception(V2Status.MethodNotAllowed, "the repository paths only answer POST");
            }
            switch (segments)
            {
                case ["index"]:
                    var ready = await ReadReadyAsync(context, limits);
                    var index = frontend.Repository.Index(ready);
                    await V2RestHandler.WriteJsonAsync(context, 200, w =>
                    {
                        w.WriteStartArray();
                        foreach (var entry in index)
                        {
                            w.WriteStartObject();
                            w.WriteString("name", entry.Name);
                            w.WriteString("version", entry.Version);
                            w.WriteString("state", entry.State);
                            w.WriteString("reason", entry.Reason);
                            w.WriteEndObject();
                        }
                        w.WriteEndArray();
                    });
                    break;
                case ["models", var name, "load"]:
                    // A control operation runs to completion even when the client goes away.
                    await frontend.Repository.LoadAsync(name, CancellationToken.None);
                    await V2RestHandler.WriteJsonAsync(context, 200, w => { w.WriteStartObject(); w.WriteEndObject(); });
                    break;
                case ["models", var name, "unload"]:
                    await frontend.Repository.UnloadAsync(name, CancellationToken.None);
                    await V2RestHandler.WriteJsonAsync(context, 200, w => { w.WriteStartObject(); w.WriteEndObject(); });
                    break;
                default:
                    throw new V2Exception(V2Status.NotFound, $"unknown path: {path}");
            }
        }
        catch (V2Exception e)
        {
            V2Log.Refused(logger, context.Request.Method, path, (int)e.Status, e.Message);
            await V2RestHandler.WriteJsonAsync(context, (int)e.Status, w => V2JsonReply.Error(w, e.Message));
        }
        catch (Exception e) when (e is not OperationCanceledException && !context.Response.HasStarted)
        {
            // The boundary of a control request: the server keeps serving, the client learns what went wrong.
            V2Log.Failed(logger, e, context.Request.Method, path);
            await V2RestHandler.WriteJsonAsync(context, StatusCodes.Status500InternalServerError, w => V2JsonReply.Error(w, e.Message));
        }
        return true;
    }

    // The optional body {"ready": true}; bounded, like every body.
    private static async Task<bool> ReadReadyAsync(HttpContext context, FrontEndLimits limits)
    {
        if (context.Request.ContentLength is null or 0)
        {
            return false;
        }
        using var charge = new RequestCharge(limits.Budget);
        var (body, error) = await SharpServing.Server.Rest.Internal.RestBodyReader.ReadAsync(context, 64 * 1024, charge, limits.RequestBodyTimeout,
            context.RequestAborted);
        if (body is null)
        {
            // Over the request byte budget is the server's state, not the request's fault: 503, as for inference.
            throw error is not null && error.StartsWith(RequestByteBudget.RefusalPrefix, StringComparison.Ordinal)
                ? new V2Exception(V2Status.Unavailable, error)
                : new V2Exception(V2Status.BadRequest, "the index request body must be a JSON object of at most 64 KiB");
        }
        using (body)
        {
            try
            {
                using var document = System.Text.Json.JsonDocument.Parse(body.WrittenMemory, new System.Text.Json.JsonDocumentOptions { MaxDepth = 16 });
                return document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                    && document.RootElement.TryGetProperty("ready", out var ready) && ready.ValueKind == System.Text.Json.JsonValueKind.True;
            }
            catch (System.Text.Json.JsonException e)
            {
                throw new V2Exception(V2Status.BadRequest, $"invalid JSON: {ErrorQuote.JsonReaderMessage(e.Message)}");
            }
        }
    }
}

using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using SharpServing.Engine.Loading;
using SharpServing.Engine.Reload;

namespace SharpServing.Server.Admin.Internal;

/// <summary>
/// Routes and answers one admin request. Control operations run to completion even when the client goes away (a
/// half-done reload helps nobody); their outcome is in the status endpoint and the log.
/// </summary>
internal sealed class AdminRequestHandler(ReloadCoordinator coordinator, AdminAccess access, ILogger logger)
{
    private const string ContentType = "application/json";

    /// <summary>Answers <paramref name="context"/> when its path is an admin path; false otherwise (nothing written).</summary>
    public async Task<bool> TryHandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        if (!path.Equals(AdminEndpoints.Prefix, StringComparison.Ordinal)
            && !path.StartsWith(AdminEndpoints.Prefix + "/", StringComparison.Ordinal))
        {
            return false;
        }
        var method = context.Request.Method;
        var segments = path[AdminEndpoints.Prefix.Length..].Split('/', StringSplitOptions.RemoveEmptyEntries);
        AdminAnswer answer;
        try
        {
            answer = access.Check(context) is { } refusal
                ? AdminAnswer.Error(refusal.Status, refusal.Message)
                : await RouteAsync(method, segments);
        }
        catch (Exception ex)
        {
            // The boundary of an admin request: the server keeps serving, the client learns what went wrong.
            AdminLog.Failed(logger, ex, method, path);
            answer = AdminAnswer.Error(StatusCodes.Status500InternalServerError, ex.Message);
        }
        if (answer.Allow is not null)
        {
            context.Response.Headers.Allow = answer.Allow;
        }
        AdminLog.Answered(logger, method, path, answer.Status);
        context.Response.StatusCode = answer.Status;
        context.Response.ContentType = ContentType;
        var body = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(body))
        {
            answer.Write(writer);
        }
        context.Response.ContentLength = body.WrittenCount;
        await context.Response.Body.WriteAsync(body.WrittenMemory, context.RequestAborted);
        return true;
    }

    private async Task<AdminAnswer> RouteAsync(string method, string[] segments)
    {
        // Names are checked before anything is looked up: nothing is made for a name no folder could have.
        if (segments.Length > 0 && !ReloadCoordinator.IsServableName(segments[0]))
        {
            return AdminAnswer.Error(StatusCodes.Status400BadRequest,
                "a servable name is 1 to 255 characters, does not start with '.' and has no '/', '\\' or control character");
        }
        switch (segments)
        {
            case []:
                return RequireMethod(method, HttpMethods.Get) ?? List();
            case [var name]:
                return RequireMethod(method, HttpMethods.Get) ?? One(name);
            case [var name, "reload"]:
                return RequireMethod(method, HttpMethods.Post) ?? await ReloadAsync(name);
            case [var name, "versions", var action] when action.EndsWith(":load", StringComparison.Ordinal):
                return RequireMethod(method, HttpMethods.Post) ?? await LoadAsync(name, action[..^":load".Length]);
            case [var name, "versions", var action] when action.EndsWith(":unload", StringComparison.Ordinal):
                return RequireMethod(method, HttpMethods.Post) ?? await UnloadAsync(name, action[..^":unload".Length]);
            default:
                return AdminAnswer.Error(StatusCodes.Status404NotFound,
                    $"unknown admin path: use GET {AdminEndpoints.Prefix}[/<name>], POST {AdminEndpoints.Prefix}/<name>/reload, "
                    + $"POST {AdminEndpoints.Prefix}/<name>/versions/<n>:load or :unload");
        }
    }

    private static AdminAnswer? RequireMethod(string method, string allowed)
        => HttpMethods.Equals(method, allowed) || (allowed == HttpMethods.Get && HttpMethods.IsHead(method))
            ? null
            : AdminAnswer.Error(StatusCodes.Status405MethodNotAllowed, $"this admin path only answers {allowed}", allow: allowed);

    private AdminAnswer List()
    {
        var servables = coordinator.GetServables();
        var watching = coordinator.IsWatching;
        var manager = coordinator.Manager;
        var onDemand = manager.LoadsOnDemand;
        var loadedBytes = onDemand ? manager.LoadedBytes : 0;
        return new AdminAnswer(StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("watching", watching);
            if (onDemand)
            {
                // Lazy loading: what the loaded versions count against the budget (0: no budget).
                w.WriteBoolean("lazy_load", true);
                w.WriteNumber("loaded_memory_bytes", loadedBytes);
                w.WriteNumber("loaded_memory_budget_bytes", manager.Configuration.LoadedMemoryBudgetBytes);
            }
            w.WriteStartArray("servables");
            foreach (var servable in servables)
            {
                AdminJson.WriteServable(w, servable, Relative(servable.Name));
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private AdminAnswer One(string name)
        => coordinator.GetServable(name) is { } servable
            ? new AdminAnswer(StatusCodes.Status200OK, w => AdminJson.WriteServable(w, servable, Relative(name)))
            : NotFound(name);

    private async Task<AdminAnswer> ReloadAsync(string name)
    {
        var result = await coordinator.ReloadAsync(name, CancellationToken.None);
        if (result is null)
        {
            return NotFound(name);
        }
        var servable = coordinator.GetServable(name);
        var status = result.Failures.Count == 0 ? StatusCodes.Status200OK : StatusCodes.Status422UnprocessableEntity;
        return new AdminAnswer(status, w =>
        {
            w.WriteStartObject();
            if (result.Failures.Count > 0)
            {
                w.WriteString("error_msg", Relative(name)(result.Failures[0].Error));
            }
            AdminJson.WriteNumbers(w, "loaded", result.Loaded);
            AdminJson.WriteNumbers(w, "unloaded", result.Unloaded);
            w.WriteStartArray("failures");
            foreach (var failure in result.Failures)
            {
                w.WriteStartObject();
                w.WriteNumber("version", failure.Version);
                w.WriteString("error", Relative(name)(failure.Error));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            AdminJson.WriteServableProperty(w, servable, Relative(name));
            w.WriteEndObject();
        });
    }

    private async Task<AdminAnswer> LoadAsync(string name, string versionText)
    {
        if (!TryVersion(versionText, out var version))
        {
            return BadVersion(versionText);
        }
        try
        {
            await coordinator.LoadVersionAsync(name, version, CancellationToken.None);
        }
        catch (InvalidOperationException ex)
        {
            return AdminAnswer.Error(StatusCodes.Status409Conflict, ex.Message);
        }
        catch (ServableLoadException ex)
        {
            return AdminAnswer.Error(StatusCodes.Status422UnprocessableEntity, Relative(name)(ex.Message), coordinator.GetServable(name), relative: Relative(name));
        }
        return Servable(name);
    }

    private async Task<AdminAnswer> UnloadAsync(string name, string versionText)
    {
        if (!TryVersion(versionText, out var version) || version == 0)
        {
            return BadVersion(versionText);
        }
        bool unloaded;
        try
        {
            unloaded = await coordinator.UnloadVersionAsync(name, version, CancellationToken.None);
        }
        catch (InvalidOperationException ex)
        {
            return AdminAnswer.Error(StatusCodes.Status409Conflict, ex.Message);
        }
        return unloaded
            ? Servable(name)
            : AdminAnswer.Error(StatusCodes.Status404NotFound, $"servable '{name}' version {version} is not loaded");
    }

    private AdminAnswer Servable(string name)
    {
        var servable = coordinator.GetServable(name);
        return new AdminAnswer(StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            AdminJson.WriteServableProperty(w, servable, Relative(name));
            w.WriteEndObject();
        });
    }

    /// <summary>Rewrites paths under the servable's servables root to paths relative to it: status replies show no
    /// absolute file paths.</summary>
    private Func<string?, string?> Relative(string name)
    {
        var root = coordinator.ServablesRootOf(name);
        if (root is null)
        {
            return text => text;
        }
        root = Path.TrimEndingDirectorySeparator(root);
        var withSeparator = root + Path.DirectorySeparatorChar;
        return text => text?.Replace(withSeparator, "", StringComparison.Ordinal).Replace(root, ".", StringComparison.Ordinal);
    }

    private static bool TryVersion(string text, out long version)
        => long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out version);

    private static AdminAnswer BadVersion(string text)
        => AdminAnswer.Error(StatusCodes.Status400BadRequest, $"the version must be a positive integer (0 to load the newest folder), not '{text}'");

    private static AdminAnswer NotFound(string name)
        => AdminAnswer.Error(StatusCodes.Status404NotFound, $"servable '{name}' is not known");
}

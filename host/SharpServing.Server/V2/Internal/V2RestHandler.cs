using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using SharpServing.Protocol.Inference;
using SharpServing.Server.Hosting;
using SharpServing.Server.Hosting.Internal;
using SharpServing.Server.Rest.Internal;

namespace SharpServing.Server.V2.Internal;

/// <summary>
/// The REST paths of the Open Inference Protocol under <c>/v2</c> (the health paths are <see cref="Observability.HealthProbes"/>'):
/// server metadata, model metadata, readiness, statistics and inference, with the binary tensor data extension.
/// Errors are <c>{"error": "..."}</c> with 400, 404, 405, 500 or 503.
/// </summary>
internal sealed class V2RestHandler(V2Frontend frontend, long maxMessageBytes, FrontEndLimits limits, ILogger logger)
{
    public const string Protocol = "v2-rest";
    public const string HeaderLengthName = "Inference-Header-Content-Length";
    private const string Prefix = "/v2";

    // Texts (error messages, BYTES elements) as they are: only what JSON requires is escaped.
    private static readonly JsonWriterOptions s_writerOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public async Task<bool> TryHandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        if (!path.Equals(Prefix, StringComparison.Ordinal) && !path.StartsWith(Prefix + "/", StringComparison.Ordinal)
            || path.StartsWith(Prefix + "/health/", StringComparison.Ordinal) || path.StartsWith(Prefix + "/repository", StringComparison.Ordinal))
        {
            return false;
        }
        var segments = path[Prefix.Length..].Split('/', StringSplitOptions.RemoveEmptyEntries);
        try
        {
            await RouteAsync(context, segments);
        }
        catch (V2Exception e)
        {
            V2Log.Refused(logger, context.Request.Method, path, (int)e.Status, e.Message);
            await WriteJsonAsync(context, (int)e.Status, w => V2JsonReply.Error(w, e.Message));
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client is gone: nothing to answer.
        }
        catch (Exception e) when (e is not BadHttpRequestException && !context.Response.HasStarted)
        {
            // The boundary of a request: the server keeps serving, the client learns that it failed.
            V2Log.Failed(logger, e, context.Request.Method, path);
            await WriteJsonAsync(context, StatusCodes.Status500InternalServerError, w => V2JsonReply.Error(w, e.Message));
        }
        return true;
    }

    private async Task RouteAsync(HttpContext context, string[] segments)
    {
        var method = context.Request.Method;
        switch (segments)
        {
            case []:
                RequireGet(method);
                await WriteJsonAsync(context, 200, V2JsonReply.ServerMetadata);
                return;
            case ["models", "stats"]:
                RequireGet(method);
                await WriteJsonAsync(context, 200, w => Statistics(w, frontend.Statistics.ToProto("", null)));
                return;
            case ["models", var name, .. var rest]:
                string? version = null;
                if (rest is ["versions", var v, .. var tail])
                {
                    version = v;
                    rest = tail;
                }
                await ModelAsync(context, method, name, version, rest);
                return;
            default:
                throw new V2Exception(V2Status.NotFound, $"unknown path: {context.Request.Path}");
        }
    }

    private async Task ModelAsync(HttpContext context, string method, string name, string? version, string[] rest)
    {
        switch (rest)
        {
            case []:
                RequireGet(method);
                var metadata = frontend.Catalog.Metadata(frontend.Catalog.Resolve(name, version));
                await WriteJsonAsync(context, 200, w => V2JsonReply.ModelMetadata(w, metadata));
                return;
            case ["ready"]:
                RequireGet(method);
                frontend.Catalog.Resolve(name, version);
                var ready = frontend.Catalog.IsReady(name, version);
                await WriteJsonAsync(context, ready ? 200 : 503, w =>
                {
                    w.WriteStartObject();
                    w.WriteString("name", name);
                    w.WriteBoolean("ready", ready);
                    w.WriteEndObject();
                });
                return;
            case ["stats"]:
                RequireGet(method);
                var stats = frontend.Statistics.ToProto(name, version);
                await WriteJsonAsync(context, 200, w => Statistics(w, stats));
                return;
            case ["infer"]:
                if (!HttpMethods.IsPost(method))
                {
                    context.Response.Headers.Allow = "POST";
                    throw new V2Exception(V2Status.MethodNotAllowed, "this path only answers POST");
                }
                await InferAsync(context, name, version);
                return;
            default:
                throw new V2Exception(V2Status.NotFound, $"unknown path: {context.Request.Path}");
        }
    }

    private async Task InferAsync(HttpContext context, string name, string? version)
    {
        var cancellationToken = context.RequestAborted;
        // An unknown model or version answers 404 before its body is read.
        frontend.Catalog.Resolve(name, version);
        // The request's bytes stay charged to the server's budget until its answer is written.
        using var charge = new RequestCharge(limits.Budget);
        var (body, bodyError) = await RestBodyReader.ReadAsync(context, maxMessageBytes, charge, limits.RequestBodyTimeout, cancellationToken);
        if (body is null)
        {
            // Over the request byte budget is the server's state, not the request's fault: 503, try again later.
            throw new V2Exception(bodyError!.StartsWith(RequestByteBudget.RefusalPrefix, StringComparison.Ordinal) ? V2Status.Unavailable : V2Status.BadRequest,
                bodyError);
        }
        using (body)
        {
            var all = body.WrittenMemory;
            var jsonLength = all.Length;
            if (context.Request.Headers.TryGetValue(HeaderLengthName, out var header))
            {
                if (!long.TryParse(header.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var declared) || declared > all.Length)
                {
                    throw new V2Exception(V2Status.BadRequest,
                        $"{HeaderLengthName} '{header}' is not a length within the {all.Length} bytes of the body");
                }
                jsonLength = (int)declared;
            }
            var request = V2JsonRequest.Parse(all[..jsonLength], all[jsonLength..]);
            var result = await frontend.Inference.InferAsync(name, version, request.Inputs, request.Outputs, Protocol, cancellationToken);
            var binaryPart = new ArrayBufferWriter<byte>();
            var json = new ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(json, s_writerOptions))
            {
                V2JsonReply.Infer(writer, result, request.Id, n => request.AllBinary || request.BinaryOutputs.Contains(n), binaryPart);
            }
            var response = context.Response;
            response.StatusCode = 200;
            if (binaryPart.WrittenCount > 0)
            {
                response.ContentType = "application/octet-stream";
                response.Headers[HeaderLengthName] = json.WrittenCount.ToString(CultureInfo.InvariantCulture);
            }
            else
            {
                response.ContentType = "application/json";
            }
            response.ContentLength = json.WrittenCount + binaryPart.WrittenCount;
            await response.Body.WriteAsync(json.WrittenMemory, cancellationToken);
            if (binaryPart.WrittenCount > 0)
            {
                await response.Body.WriteAsync(binaryPart.WrittenMemory, cancellationToken);
            }
        }
    }

    private static void RequireGet(string method)
    {
        if (!HttpMethods.IsGet(method) && !HttpMethods.IsHead(method))
        {
            throw new V2Exception(V2Status.MethodNotAllowed, "this path only answers GET");
        }
    }

    private static void Statistics(Utf8JsonWriter w, ModelStatisticsResponse stats)
    {
        w.WriteStartObject();
        w.WriteStartArray("model_stats");
        foreach (var model in stats.ModelStats)
        {
            w.WriteStartObject();
            w.WriteString("name", model.Name);
            w.WriteString("version", model.Version);
            w.WriteNumber("last_inference", model.LastInference);
            w.WriteNumber("inference_count", model.InferenceCount);
            w.WriteNumber("execution_count", model.ExecutionCount);
            w.WriteStartObject("inference_stats");
            var s = model.InferenceStats;
            Duration(w, "success", s.Success);
            Duration(w, "fail", s.Fail);
            Duration(w, "queue", s.Queue);
            Duration(w, "compute_input", s.ComputeInput);
            Duration(w, "compute_infer", s.ComputeInfer);
            Duration(w, "compute_output", s.ComputeOutput);
            w.WriteEndObject();
            w.WriteStartArray("batch_stats");
            foreach (var batch in model.BatchStats)
            {
                w.WriteStartObject();
                w.WriteNumber("batch_size", batch.BatchSize);
                Duration(w, "compute_input", batch.ComputeInput);
                Duration(w, "compute_infer", batch.ComputeInfer);
                Duration(w, "compute_output", batch.ComputeOutput);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Duration(Utf8JsonWriter w, string name, StatisticDuration? duration)
    {
        w.WriteStartObject(name);
        w.WriteNumber("count", duration?.Count ?? 0);
        w.WriteNumber("ns", duration?.Ns ?? 0);
        w.WriteEndObject();
    }

    internal static async Task WriteJsonAsync(HttpContext context, int status, Action<Utf8JsonWriter> write)
    {
        var body = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(body, s_writerOptions))
        {
            write(writer);
        }
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength = body.WrittenCount;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await response.Body.WriteAsync(body.WrittenMemory, context.RequestAborted);
        }
    }
}

using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using SharpServing.Engine;
using SharpServing.Server.Hosting.Internal;

namespace SharpServing.Server.Rest.Internal;

/// <summary>
/// One RESTful request, in MindSpore Serving's check order: method, body (empty, size, JSON syntax), URL, request JSON,
/// then prediction. Every answer is HTTP 200 with reason phrase <c>Client</c> and a JSON body.
/// </summary>
internal sealed class RestRequestHandler(IPredictor predictor, RestOptions options, ILogger logger, FrontEndLimits limits)
{
    public const string ReasonPhrase = "Client";
    public const string ContentType = "application/json";
    public const string PostOnly = "http message only support POST right now";
    public const string IllegalJsonPrefix = "Illegal JSON format.";
    public const string ParserPrefix = "Parser request failed, ";

    public async Task HandleAsync(HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget
            ?? context.Request.PathBase + context.Request.Path + context.Request.QueryString;
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        if (context.Features.Get<IHttpResponseFeature>() is { } responseFeature)
        {
            responseFeature.ReasonPhrase = ReasonPhrase;
        }
        response.ContentType = ContentType;
        // The request's bytes stay charged to the server's budget until its answer is written.
        using var charge = new RequestCharge(limits.Budget);
        try
        {
            var request = await ReadRequestAsync(context, target, charge, cancellationToken);
            if (request.Error is { } error)
            {
                RestLog.RequestRejected(logger, target, error);
                await RestReplyWriter.WriteErrorAsync(response.BodyWriter, error, cancellationToken);
                return;
            }
            var reply = await predictor.PredictAsync(request.Request!, cancellationToken);
            await RestReplyWriter.WriteAsync(response.BodyWriter, reply, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            RestLog.ClientGone(logger, target);
        }
        catch (Exception e) when (e is not BadHttpRequestException && !response.HasStarted)
        {
            RestLog.RequestFailed(logger, e, target);
            await RestReplyWriter.WriteErrorAsync(response.BodyWriter, "Predict failed, " + e.Message, cancellationToken);
        }
    }

    private async Task<(InferRequest? Request, string? Error)> ReadRequestAsync(
        HttpContext context, string target, RequestCharge charge, CancellationToken cancellationToken)
    {
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            return (null, PostOnly);
        }
        var (body, bodyError) = await RestBodyReader.ReadAsync(context, options.MaxMessageBytes, charge, limits.RequestBodyTimeout, cancellationToken);
        if (body is null)
        {
            return (null, bodyError);
        }
        RestParseResult parsed;
        using (body)
        {
            parsed = RestRequestParser.Parse(body.WrittenMemory);
        }
        if (parsed.IllegalJsonDetail is { } detail)
        {
            return (null, IllegalJsonPrefix + detail);
        }
        var route = RestUrlParser.Parse(target, out var urlError);
        if (route is null)
        {
            return (null, urlError);
        }
        if (parsed.Error is { } error)
        {
            return (null, ParserPrefix + error);
        }
        return (new InferRequest(route.Servable, route.Method, route.Version, parsed.Instances!) { Protocol = "rest" }, null);
    }
}

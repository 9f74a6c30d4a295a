using System.Net;

namespace SharpServing.Server.Tests.Rest;

/// <summary>What a test client saw: status, reason phrase, content type, HTTP version and body text.</summary>
public sealed record RestResponse(HttpStatusCode Status, string? ReasonPhrase, string? ContentType, Version Version, string Body);

using SharpServing.Engine;

namespace SharpServing.Server.Rest.Internal;

/// <summary>
/// The outcome of parsing a request body: the instances, or why the body is not JSON (<see cref="IllegalJsonDetail"/>),
/// or why the JSON is not a valid request (<see cref="Error"/>, unprefixed). A body that is not JSON is reported
/// before the URL is checked; a JSON error after it.
/// </summary>
internal sealed class RestParseResult
{
    private RestParseResult(IReadOnlyList<IReadOnlyDictionary<string, RequestInput>>? instances, string? illegalJsonDetail, string? error)
    {
        Instances = instances;
        IllegalJsonDetail = illegalJsonDetail;
        Error = error;
    }

    public IReadOnlyList<IReadOnlyDictionary<string, RequestInput>>? Instances { get; }

    public string? IllegalJsonDetail { get; }

    public string? Error { get; }

    public static RestParseResult Success(IReadOnlyList<IReadOnlyDictionary<string, RequestInput>> instances) => new(instances, null, null);

    public static RestParseResult IllegalJson(string detail) => new(null, detail, null);

    public static RestParseResult Invalid(string error) => new(null, null, error);
}
